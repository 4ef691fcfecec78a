"""Diagnostic (issue 18): open a returning learner's lesson pages one after another until one never
finishes, then show what its kernel is doing.

Run from the repository root::

    .venv/bin/python bench/stuck_pages.py [--minutes 5] [--wait 40]

A course server as the browser tests start it (pool 1, kernel ids kept in its log), one seeded
learner with work in every lesson, and their lessons 01-07 asked for over HTTP in turn. A page whose
last byte has not come after ``--wait`` seconds is reported with its kernel: a ``py-spy dump`` of it
(when py-spy is installed) and what the kernel says on IOPub when a new client asks it for
``kernel_info`` (a request stuck unread in the kernel would run then). Before the server's re-check
of kernel sockets (``widgets_lib/server/wakeups.py``) one page in 6 to 173 never finished here: the
kernel idle, its reply readable in the server's socket, never announced by ZeroMQ. ``--recheck-s 0``
runs the server without the re-check; the last line counts the replies it found.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from first_visits import page_problem  # noqa: E402

from tests.helpers import LESSON_FILES, CourseServer  # noqa: E402
from tests.reliability.course_pages import seed  # noqa: E402

LESSONS = [name for name in LESSON_FILES if re.match(r"0[1-7]_", name)]


def report(folder: Path, notebook: str) -> None:
    log = (folder / "server.log").read_text(encoding="utf-8", errors="replace")
    used = re.findall(
        r"Using pre-heated kernel: (?:kernel-)?([\w-]+) for " + re.escape(notebook), log
    )
    kernel = used[-1] if used else None
    print(f"  its kernel: {kernel}", flush=True)
    if kernel is None:
        return
    found = glob.glob(f"/tmp/**/kernel-{kernel}.json", recursive=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    for pid in subprocess.run(
        ["pgrep", "-f", kernel], capture_output=True, text=True
    ).stdout.split():
        if Path(spy).exists():
            dump = subprocess.run([spy, "dump", "--pid", pid], capture_output=True, text=True)
            print(dump.stdout[-6000:], flush=True)
    if found:
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=found[0])
        client.load_connection_file()
        client.start_channels()
        client.kernel_info()
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                msg = client.get_iopub_msg(timeout=0.5)
            except Exception:  # noqa: BLE001 - nothing more said
                continue
            parent = msg["parent_header"].get("msg_type")
            print(
                f"  IOPub: {msg['msg_type']} (for {parent}) {str(msg['content'])[:100]}", flush=True
            )
        client.stop_channels()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--wait", type=float, default=40.0)
    parser.add_argument(
        "--recheck-s",
        default="1",
        help="the server's COURSE_KERNEL_RECHECK_S (0: no re-check, as before issue 18's fix)",
    )
    args = parser.parse_args()
    os.environ["COURSE_LOG_KERNEL_IDS"] = "1"
    folder = Path(tempfile.mkdtemp(prefix="stuck-pages-"))
    # Each page's kernel goes a minute after its page (no browser ever connects to it), so that the
    # kernels of hundreds of pages do not reach the server's kernel cap (its busy page).
    server = CourseServer(
        f"sqlite:///{folder}/course.db",
        folder / "server.log",
        pool_size=1,
        extra_env={
            "COURSE_CULL_IDLE_S": "60",
            "COURSE_CULL_INTERVAL_S": "10",
            "COURSE_KERNEL_RECHECK_S": args.recheck_s,
        },
    )
    pages = stuck = refused = 0
    try:
        server.wait_ready(LESSON_FILES)
        code = seed(server).learner.code
        print(f"server log: {folder / 'server.log'}", flush=True)
        end = time.monotonic() + args.minutes * 60
        while time.monotonic() < end and not (stuck or refused):
            for notebook in LESSONS:
                pages += 1
                url = f"{server.url}/voila/render/{notebook}?learner={code}"
                try:
                    response = httpx.get(url, timeout=httpx.Timeout(args.wait), trust_env=False)
                    done = page_problem(response.status_code, response.content) is None
                except httpx.ReadTimeout:
                    response, done = None, False
                if response is not None and response.status_code != 200:
                    print(f"page {pages}: {notebook} refused ({response.status_code})", flush=True)
                    refused += 1
                    break
                if not done:
                    stuck += 1
                    print(
                        f"page {pages}: {notebook} did not finish in {args.wait:.0f} s", flush=True
                    )
                    report(folder, notebook)
                    break
    finally:
        server.stop()
    caught = (folder / "server.log").read_text(errors="replace").count("found by the")
    print(f"{pages} pages, {stuck} did not finish; {caught} kernel messages found by the re-check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
