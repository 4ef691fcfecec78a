"""Benchmark: memory of the course server and all its kernels, idle and after visitors leave.

Run from the repository root::

    .venv/bin/python bench/memory.py [--cohort-size 30] [--visitors 10] [--cull-idle S]

1. **default pools**: ``python -m widgets_lib.server.serve`` as ``make serve`` starts it (one
   pre-heated kernel per notebook); once every pool is filled and the server is idle, the
   resident memory (RSS) and proportional set size (PSS, shared pages divided among the
   processes sharing them) are summed over the server and all its descendants.
2. **cohort pools**: the same with ``COURSE_COHORT_SIZE=30`` (``--cohort-size``) for the
   lesson the cohort opens together (``COURSE_TEACHING``, ``--teaching``, default 00),
   measured the same way.
3. **visitors leave**: on the cohort server, ``--visitors`` visitors (returning learners,
   codes created beforehand) open that lesson in Chromium one after the other, each closing
   its browser context (the tab is gone) once the page is usable. The benchmark then follows
   the kernels the visitors used (named by the server's log, "Using pre-heated kernel: <id>")
   until the server's culler has shut every one down and the pools are refilled: their
   liveness every second, the number of kernels and the memory every ``--poll`` seconds
   (default 15). The culler's settings are the server's (``COURSE_CULL_IDLE_S``, default
   540 s, checked every ``COURSE_CULL_INTERVAL_S``, 30 s); ``--cull-idle 60`` shortens them
   for a quick run.

Prints one table and writes the data, with the time series, to
``bench/results/memory-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from first_visits import (
    REPO,
    RESULTS_DIR,
    Server,
    StartError,
    fmt,
    is_kernel,  # noqa: E402
    render_table,
    stop_all_servers,
    visits,
)

from widgets_lib import lessons  # noqa: E402
from widgets_lib.store import Store  # noqa: E402

TAKEN = "Using pre-heated kernel"  # the server's log line when a visitor gets a pooled kernel

COLUMNS = {
    "state": "default pools = one pre-heated kernel per notebook (make serve); cohort pools = "
    "COURSE_COHORT_SIZE kernels for the cohort's lesson, one for every other notebook; "
    "right after = when the last visitor left; peak = the largest sample while the "
    "visitors' kernels were alive (pools refilled by then); culled = once every kernel the "
    "visitors used was shut down by the server's culler and the pools were full again.",
    "kernels": "ipykernel processes among the server's descendants.",
    "RSS MB": "resident memory (psutil RSS, MiB) summed over the server and all its descendants; "
    "pages shared between processes are counted once per process.",
    "PSS MB": "proportional set size (psutil, from /proc/<pid>/smaps_rollup) summed over the same "
    "processes: each shared page divided among the processes sharing it, so the sum is "
    "the real footprint. Idle = the server's processes used almost no CPU for 2 s "
    "and their number was stable, then 5 s more.",
    "cull s": "for the kernels the visitors used: seconds from the visitor closing the tab to the "
    "kernel process being gone (checked every second); the slowest and the median.",
}


def idle_memory(server: Server) -> dict:
    """The server's memory once it is idle (as first_visits.py measures it), with the load."""
    server.wait_idle(max_wait=120)
    time.sleep(5)
    return {**server.memory(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def start(server: Server, timeout: float) -> dict:
    """Start the server and wait until every lesson's pool is filled and it is idle."""
    server.start()
    return server.wait_ready(timeout, [info.file for info in lessons.available()])


def kernel_of(server: Server, kernel_id: str) -> psutil.Process | None:
    for p in server.tree():
        try:
            if is_kernel(p) and f"kernel-{kernel_id}.json" in " ".join(p.cmdline()):
                return p
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return None


def alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def visit_browser(server: Server, lesson_file: str, codes: list[str], timeout: float) -> list[dict]:
    """Each visitor opens the lesson in a new context, waits until it is usable, closes it."""
    from browser_widgets import CHROMIUM, CHROMIUM_ARGS, first_usable
    from playwright.sync_api import sync_playwright

    info = next(i for i in lessons.available() if i.file == lesson_file)
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for code in codes:
            seen = server.read_log().count(TAKEN)
            rec = first_usable(browser, server, info, "returning", code, timeout)
            rec["left_at"] = time.monotonic()  # first_usable closed the context
            rec["log_marks"] = [seen, server.read_log().count(TAKEN)]
            out.append(rec)
        browser.close()
    return out


def visit_http(server: Server, lesson_file: str, codes: list[str], timeout: float) -> list[dict]:
    """Each visitor fetches the whole page over HTTP (no websocket: the kernel is never used)."""
    out = []
    for code in codes:
        seen = server.read_log().count(TAKEN)
        url = f"{server.base_url}/voila/render/{lesson_file}?learner={code}"
        rec = asyncio.run(visits(url, 1, timeout))[0]
        rec.update(
            {"left_at": time.monotonic(), "log_marks": [seen, server.read_log().count(TAKEN)]}
        )
        out.append(rec)
    return out


def follow_culling(
    server: Server, visited: list[dict], baseline_kernels: int, poll: float, timeout: float
) -> dict:
    """Until every visited kernel is gone and the kernel count is back to the pool-only one."""
    t_left = max(v["left_at"] for v in visited)
    series: list[dict] = []
    next_sample = 0.0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.monotonic()
        for v in visited:
            if v.get("proc") is not None and v.get("gone_after_s") is None and not alive(v["proc"]):
                v["gone_after_s"] = round(now - v["left_at"], 1)
        if now >= next_sample:
            mem = server.memory()
            mem["t_s"] = round(now - t_left, 1)
            mem["visited_alive"] = sum(
                1 for v in visited if v.get("proc") is not None and v.get("gone_after_s") is None
            )
            series.append(mem)
            print(
                f"    t={mem['t_s']:>6.0f} s  kernels {mem['kernels']:>3}  "
                f"RSS {mem['rss_mb']:>7.0f} MB  PSS {fmt(mem['pss_mb'], 0):>6} MB  "
                f"visitors' kernels alive {mem['visited_alive']}",
                flush=True,
            )
            next_sample = now + poll
            if mem["visited_alive"] == 0 and mem["kernels"] <= baseline_kernels:
                return {"series": series, "complete": True}
        time.sleep(1)
    return {"series": series, "complete": False}


def table(rows: list[dict], cull: dict) -> str:
    head = ["state", "kernels", "RSS MB", "PSS MB"]
    body = [[r["state"], str(r["kernels"]), fmt(r["rss_mb"], 0), fmt(r["pss_mb"], 0)] for r in rows]
    lines = render_table(head, body)
    lines.append("")
    if cull:
        lines.append(
            f"visitors' kernels culled: {cull['culled']} of {cull['visited']} "
            f"(identified {cull['identified']}); after the tab closed: slowest "
            f"{fmt(cull['max_s'], 0)} s, median {fmt(cull['median_s'], 0)} s "
            f"(cull idle {cull['cull_idle_s']} s, checked every {cull['cull_interval_s']} s)"
        )
        lines.append("")
    lines += [f"{name}: {text}" for name, text in COLUMNS.items()]
    return "\n".join(lines)


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cohort-size", type=int, default=30, help="COURSE_COHORT_SIZE (default 30)"
    )
    parser.add_argument(
        "--teaching", default="00", help="COURSE_TEACHING, the cohort's lesson (default 00)"
    )
    parser.add_argument(
        "--visitors", type=int, default=10, help="visitors who come and leave (default 10)"
    )
    parser.add_argument(
        "--visit-with",
        choices=("browser", "http"),
        default="browser",
        help="browser = Chromium, the tab closed after the page is usable (default); "
        "http = the page fetched over HTTP only",
    )
    parser.add_argument(
        "--cull-idle",
        type=int,
        default=None,
        help="COURSE_CULL_IDLE_S for a quick run (default: the server's, 540 s); "
        "the culler then checks every min(30, S/4) s",
    )
    parser.add_argument(
        "--poll", type=float, default=15, help="seconds between memory samples (default 15)"
    )
    parser.add_argument(
        "--skip-default", action="store_true", help="measure only the cohort server"
    )
    parser.add_argument("--timeout", type=float, default=120, help="longest wait for one page (s)")
    args = parser.parse_args(argv)
    if args.cohort_size < 1 or args.visitors < 0:
        parser.error("--cohort-size >= 1, --visitors >= 0")
    if args.visit_with == "browser" and not Path("/usr/bin/chromium").exists():
        parser.error(
            "/usr/bin/chromium is missing (sudo apt-get install -y chromium), "
            "or use --visit-with http"
        )
    signal.signal(signal.SIGTERM, _on_sigterm)
    lesson_id = args.teaching.strip().zfill(2)
    lesson_file = lessons.by_id(lesson_id).file
    cull_idle = args.cull_idle if args.cull_idle is not None else 540
    cull_interval = min(30, max(5, cull_idle // 4)) if args.cull_idle is not None else 30
    cull_env = (
        {"COURSE_CULL_IDLE_S": str(cull_idle), "COURSE_CULL_INTERVAL_S": str(cull_interval)}
        if args.cull_idle is not None
        else {}
    )
    cull_env["COURSE_LOG_KERNEL_IDS"] = "1"  # the visitors' kernels are found by their log lines
    notebooks = len(list(REPO.joinpath("course").rglob("*.ipynb")))
    started = dt.datetime.now()
    t_start = time.monotonic()
    doc: dict[str, Any] = {
        "benchmark": "memory",
        "started": started.isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "cohort_size": args.cohort_size,
        "teaching": lesson_file,
        "visitors": args.visitors,
        "poll_s": args.poll,
        "visit_with": args.visit_with,
        "cull_idle_s": cull_idle,
        "cull_interval_s": cull_interval,
    }
    rows: list[dict] = []
    cull: dict[str, Any] = {}
    print(
        f"memory: default pools, then COURSE_COHORT_SIZE={args.cohort_size} for {lesson_file}, "
        f"{args.visitors} visitors ({args.visit_with}), "
        f"cull idle {cull_idle} s every {cull_interval} s, "
        f"{os.cpu_count()} CPUs, {psutil.virtual_memory().available / 2**30:.1f} GB available",
        flush=True,
    )
    try:
        if not args.skip_default:
            tmp = Path(tempfile.mkdtemp(prefix="bench-memory-default-"))
            server = Server(
                config="course",
                pool_size=1,
                tmpdir=tmp,
                env={"COURSE_POOLS": "", "COURSE_COHORT_SIZE": "0", **cull_env},
            )
            try:
                print("  default pools: starting ...", flush=True)
                doc["default_start"] = start(server, 120 + 15 * notebooks)
                mem = idle_memory(server)
                rows.append({"state": "idle, default pools", **mem})
                print(f"  default pools: {mem}", flush=True)
            finally:
                doc["default_stop"] = server.stop()
                shutil.rmtree(tmp, ignore_errors=True)

        tmp = Path(tempfile.mkdtemp(prefix="bench-memory-cohort-"))
        env = {
            "COURSE_POOLS": "",
            "COURSE_COHORT_SIZE": str(args.cohort_size),
            "COURSE_TEACHING": lesson_id,
            **cull_env,
        }
        server = Server(config="course", pool_size=1, tmpdir=tmp, env=env)
        try:
            store = Store(f"sqlite:///{tmp / 'bench.db'}")  # the server's database
            from browser_widgets import new_learner

            codes = [new_learner(store) for _ in range(args.visitors)]
            store.dispose()
            print(
                f"  cohort pools ({args.cohort_size} for {lesson_file}): starting ...", flush=True
            )
            doc["cohort_start"] = start(server, 120 + 15 * (notebooks + args.cohort_size))
            mem = idle_memory(server)
            rows.append(
                {"state": f"idle, cohort pools ({args.cohort_size} for {lesson_id})", **mem}
            )
            print(f"  cohort pools: {mem}", flush=True)
            baseline = mem["kernels"]
            if args.visitors:
                print(f"  {args.visitors} visitors open {lesson_file} and leave ...", flush=True)
                visit = visit_browser if args.visit_with == "browser" else visit_http
                visited = visit(server, lesson_file, codes, args.timeout)
                ids = re.findall(TAKEN + r": (\S+) for", server.read_log())
                for v in visited:
                    before, after = v["log_marks"]  # exactly one kernel taken during this visit
                    kid = ids[before] if after == before + 1 and len(ids) > before else None
                    v["kernel_id"] = kid
                    v["proc"] = kernel_of(server, kid) if kid else None
                after = server.memory()
                rows.append({"state": "right after the visitors left", **after})
                print(
                    f"  visits done ({sum(1 for v in visited if v['ok'])}/{len(visited)} ok), "
                    f"{sum(1 for v in visited if v['proc'])} visited kernels identified; "
                    "following the culler ...",
                    flush=True,
                )
                followed = follow_culling(
                    server,
                    visited,
                    baseline,
                    args.poll,
                    timeout=cull_idle + 2 * cull_interval + 300,
                )
                doc["series"] = followed["series"]
                peak = max(followed["series"], key=lambda m: m["pss_mb"] or m["rss_mb"])
                rows.append({"state": "peak while the visitors' kernels were alive", **peak})
                final = idle_memory(server)
                rows.append(
                    {
                        "state": "visitors' kernels culled, pools full"
                        + ("" if followed["complete"] else " (NOT COMPLETE: timed out)"),
                        **final,
                    }
                )
                gone = [v["gone_after_s"] for v in visited if v.get("gone_after_s") is not None]
                cull = {
                    "visited": len(visited),
                    "identified": sum(1 for v in visited if v["proc"]),
                    "culled": len(gone),
                    "max_s": max(gone) if gone else None,
                    "median_s": statistics.median(gone) if gone else None,
                    "complete": followed["complete"],
                    "cull_idle_s": cull_idle,
                    "cull_interval_s": cull_interval,
                }
                doc["visits"] = [{k: v for k, v in rec.items() if k != "proc"} for rec in visited]
        finally:
            doc["cohort_stop"] = server.stop()
            doc["cohort_log_tail"] = server.log_tail(20)
            shutil.rmtree(tmp, ignore_errors=True)
    except StartError as exc:
        print(f"SERVER FAILED TO START: {exc}\n{exc.log_tail}", flush=True)
        doc["start_error"] = str(exc)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the server", file=sys.stderr)
        stop_all_servers()
        return 130

    text = table(rows, cull)
    elapsed = time.monotonic() - t_start
    print()
    print(text)
    print(f"\ntotal time {elapsed / 60:.1f} min")
    doc.update(
        {
            "duration_s": round(elapsed, 1),
            "rows": rows,
            "cull": cull,
            "columns": COLUMNS,
            "table": text,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "memory_mb": round(psutil.virtual_memory().total / 2**20),
            },
        }
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"memory-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results: {out.relative_to(REPO)}")
    return 0 if "start_error" not in doc else 1


if __name__ == "__main__":
    sys.exit(main())
