"""Benchmark: N simultaneous first visits to lesson 03, course server vs plain Voila.

Run from the repository root::

    .venv/bin/python bench/first_visits.py [--visitors 1,10,30] [--repeats 3] [--pool-size N]

For each configuration ("course": ``python -m widgets_lib.server.serve`` with pre-heated kernels,
"plain": the same with ``--plain``, i.e. Voila's defaults) and each number of visitors N,
and for each repeat, a fresh server is started on a free localhost port with a throw-away
SQLite database (``COURSE_DB_URL``). Once it is ready (for "course": every lesson's kernel
pool is filled and the server is idle), N anonymous first visits (fresh connection, no
cookies, no ``?learner=``) are sent to lesson 03 at the same moment, and each visitor's
time to full page is recorded: from sending the GET to receiving the last byte of the
streamed body. When the server is idle again its memory (RSS of the server and all its
descendants) and its number of kernels are measured, then it is stopped and no kernel
may be left behind.

Prints one table and writes the same data, with every visit, to
``bench/results/first_visits-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from widgets_lib.server.forking import KERNEL_PROCESS_NAME
from widgets_lib.server.serve import READY_MESSAGE

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
LESSON = "03_capacity_model.ipynb"
HOST = "127.0.0.1"
CONFIGS = ("course", "plain")
KERNEL_MB = 100  # resident memory of one lesson kernel, roughly (measured 80-115 MB)

COLUMNS = {
    "config": "course = `COURSE_POOLS=03_capacity_model.ipynb=P python -m widgets_lib.server.serve "
    "--pool-size 1` (pre-heated kernels, course template); plain = the same with --plain "
    "(Voila's defaults, a kernel started per visit).",
    "N": "number of simultaneous first visits to lesson 03 (all released at once by one asyncio "
    "event loop, each on its own new HTTP connection, no cookies, no ?learner=).",
    "repeats": "number of runs; each run uses a freshly started server, so every visit is a real "
    "first visit.",
    "p50 s / p95 s": "median / 95th percentile (linear interpolation) of the time to full page over "
    "the successful visits of all repeats: from sending the GET to receiving the "
    "last byte of the streamed body (Voila finishes the body only when every cell "
    "has run), measured on the client.",
    "max s": "slowest successful visit over all repeats.",
    "fail": "visits that failed: an exception or timeout, a status other than 200, a body without "
    "`window.voila_finish()` / `</html>`, or a page holding a cell error output.",
    "kernels": "ipykernel processes among the server's descendants once the visits finished and the "
    "server was idle again (pool refills included); median over repeats.",
    "RSS MB": "resident memory (psutil RSS, MiB) summed over the server process and all its "
    "descendants (kernels), measured at the same moment; median over repeats. Shared "
    "pages are counted once per process, so this overstates the real footprint a little "
    "(the JSON also holds the PSS sum).",
}


# ----------------------------------------------------------------------------- servers

LIVE_SERVERS: list[Server] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def lesson_names() -> list[str]:
    course = Path(os.environ.get("COURSE_DIR", REPO / "course"))
    return sorted(p.name for p in course.glob("*.ipynb"))


def is_kernel(proc: psutil.Process) -> bool:
    try:
        # a launched kernel, or one forked from the template (widgets_lib/server/forking.py)
        return proc.name() == KERNEL_PROCESS_NAME or "ipykernel_launcher" in " ".join(
            proc.cmdline()
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


WARM = READY_MESSAGE.split("{count} ", 1)[1]  # the course server's line once its kernels are warm


class StartError(RuntimeError):
    def __init__(self, message: str, log_tail: str) -> None:
        super().__init__(message)
        self.log_tail = log_tail


@dataclass
class Server:
    config: str
    pool_size: int | None
    tmpdir: Path
    proc: subprocess.Popen | None = None
    port: int | None = None
    log_path: Path | None = None
    connection_dir: str | None = None
    # extra environment for the server, applied last (other benchmarks set pools, cull, refill)
    env: dict[str, str] = field(default_factory=dict)
    _log_pos: int = 0
    _log_text: str = ""
    # every descendant seen, kept as psutil.Process so that a recycled pid is never mistaken
    # for one of ours (psutil compares the creation time)
    known: dict[int, psutil.Process] = field(default_factory=dict)

    # -- start ---------------------------------------------------------------
    def start(self) -> None:
        port = free_port()
        self.log_path = self.tmpdir / f"server-{self.config}.log"
        env = os.environ.copy()
        env.pop("JUPYTERHUB_USER", None)  # anonymous visitors only
        env.pop("COURSE_POOL_SIZE", None)  # the pool sizes are given here
        env.pop("COURSE_POOLS", None)
        env["COURSE_DB_URL"] = f"sqlite:///{self.tmpdir / 'bench.db'}"
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [sys.executable, "-m", "widgets_lib.server.serve", "--port", str(port), "--ip", HOST]
        if self.config == "plain":
            cmd.append("--plain")
        elif self.config == "default":
            pass  # `make serve` as it is: the course's default pools and refill
        else:
            # As a tutor would before saying "open lesson 3": lesson 03 gets the pool, the
            # other lessons keep one pre-heated kernel each.
            cmd += ["--pool-size", "1"]
            env["COURSE_POOLS"] = f"{LESSON}={self.pool_size}"
        env.update(self.env)
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                cmd,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        LIVE_SERVERS.append(self)
        self.port = port

    def read_log(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return self._log_text
        with open(self.log_path, "rb") as fh:
            fh.seek(self._log_pos)
            chunk = fh.read()
        self._log_pos += len(chunk)
        self._log_text += chunk.decode("utf-8", "replace")
        if self.connection_dir is None:
            m = re.search(r"Storing connection files in (\S+?)\.?\s*$", self._log_text, re.M)
            if m:
                self.connection_dir = m.group(1)
        m = re.search(r"running at:\s*\n?\s*https?://[^:/\s]+:(\d+)/", self._log_text)
        if m:
            self.port = int(m.group(1))  # Voila may have moved to another port
        return self._log_text

    def log_tail(self, lines: int = 40) -> str:
        text = self.read_log()
        kept = [ln for ln in text.splitlines() if "running over TCP without encryption" not in ln]
        return "\n".join(kept[-lines:])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _check_alive(self, what: str) -> None:
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise StartError(
                f"{self.config} server exited (code {code}) while {what}", self.log_tail()
            )

    def wait_ready(self, timeout: float, lessons: list[str]) -> dict:
        """Wait until the server answers HTTP and, for "course", until the pool of lesson 03
        (then, within the same deadline, of every lesson) is filled; then until it is idle."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        info: dict = {}
        while True:
            self._check_alive("starting")
            self.read_log()
            if "running at" in self._log_text:
                try:
                    r = httpx.get(
                        self.base_url + "/", timeout=5, trust_env=False, follow_redirects=False
                    )
                    if r.status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise StartError(
                    f"{self.config} server did not answer HTTP within {timeout:.0f} s",
                    self.log_tail(),
                )
            time.sleep(0.2)
        info["http_ready_s"] = round(time.monotonic() - t0, 2)
        if self.config != "plain":

            def filled(name: str) -> bool:
                return f"Kernel pool of {name} is filled with" in self._log_text

            while not filled(LESSON):
                self._check_alive("filling its kernel pools")
                self.read_log()
                if time.monotonic() > deadline:
                    raise StartError(
                        f"the kernel pool of {LESSON} was not filled within {timeout:.0f} s",
                        self.log_tail(),
                    )
                time.sleep(0.2)
            info["pool_03_filled_s"] = round(time.monotonic() - t0, 2)
            # The other lessons' pools fill at the same time; let them finish so they do not
            # compete with the visits (bounded by the same deadline, not fatal).
            while not all(filled(n) for n in lessons) and time.monotonic() < deadline:
                self._check_alive("filling its kernel pools")
                self.read_log()
                time.sleep(0.2)
            info["all_pools_filled"] = all(filled(n) for n in lessons)
            info["all_pools_filled_s"] = round(time.monotonic() - t0, 2)
        # "Filled" means every pre-heated kernel has started, not that each has run the lesson up
        # to the cell that waits for its visitor: 69 kernels starting at once on 2 cores took
        # 140 s more. Visiting sooner measures a pool still warming up, not one a tutor started
        # before the session; the course server says when every kernel is warm (serve.py).
        if self.config != "plain":
            while WARM not in self._log_text and time.monotonic() < deadline:
                self._check_alive("warming its kernels")
                self.read_log()
                time.sleep(0.5)
            info["warm"] = WARM in self._log_text
            info["warm_s"] = round(time.monotonic() - t0, 2)
        info["settle_s"] = self.wait_idle(max_wait=60)
        info["idle_before_visits"] = info["settle_s"] < 60 and info.get("warm", True)
        time.sleep(2)
        info["ready_s"] = round(time.monotonic() - t0, 2)
        return info

    # -- measurements --------------------------------------------------------
    def tree(self) -> list[psutil.Process]:
        """The server process and its descendants (none once the server has exited: its pid
        may then belong to another process)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        for p in procs:
            self.known[p.pid] = p
        return procs

    def _cpu_seconds(self) -> dict[int, float]:
        out = {}
        for p in self.tree():
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                pass
        return out

    def wait_idle(self, max_wait: float, window: float = 2.0) -> float:
        """Wait until the server and its kernels use (almost) no CPU over ``window`` seconds
        and their number is stable; returns the seconds waited (``max_wait`` if never idle)."""
        t0 = time.monotonic()
        before = self._cpu_seconds()
        while time.monotonic() - t0 < max_wait:
            time.sleep(window)
            after = self._cpu_seconds()
            used = sum(v - before.get(pid, 0.0) for pid, v in after.items())
            cores = used / window
            threshold = 0.05 + 0.005 * len(after)
            if set(after) == set(before) and cores < threshold:
                return round(time.monotonic() - t0, 1)
            before = after
        return round(time.monotonic() - t0, 1)

    def memory(self) -> dict:
        rss = pss = 0
        pss_ok = True
        kernels = 0
        procs = self.tree()
        for p in procs:
            try:
                rss += p.memory_info().rss
                if is_kernel(p):
                    kernels += 1
                if pss_ok:
                    try:
                        pss += p.memory_full_info().pss
                    except (psutil.AccessDenied, AttributeError):
                        pss_ok = False
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                pass
        return {
            "processes": len(procs),
            "kernels": kernels,
            "rss_mb": round(rss / 2**20, 1),
            "pss_mb": round(pss / 2**20, 1) if pss_ok else None,
        }

    # -- stop ----------------------------------------------------------------
    def _stragglers(self) -> list[psutil.Process]:
        """Processes of this server still alive: known descendants, and any process whose
        command line names this server's connection-file folder (kernels started late)."""
        found: dict[int, psutil.Process] = {}
        for pid, p in self.known.items():
            if self.proc is not None and pid == self.proc.pid:
                continue
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    found[pid] = p
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        if self.connection_dir:
            for p in psutil.process_iter(["pid", "cmdline"]):
                try:
                    if (
                        self.connection_dir in " ".join(p.info["cmdline"] or [])
                        and p.status() != psutil.STATUS_ZOMBIE
                    ):
                        found[p.pid] = p
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
        return list(found.values())

    def stop(self, timeout: float = 60.0) -> dict:
        """SIGTERM the server's process group (Voila then shuts its kernels down), SIGKILL
        after ``timeout``; then kill any kernel of it still alive. Returns what happened."""
        result = {"stopped_by": None, "leftover_kernels": 0, "leftover_pids": []}
        if self.proc is None:
            return result
        self.read_log()
        self.tree()  # remember every descendant's pid
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
                result["stopped_by"] = "SIGTERM"
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
                result["stopped_by"] = "SIGKILL"
        else:
            result["stopped_by"] = f"had exited ({self.proc.returncode})"
        self.read_log()
        # Kernels live in their own sessions: give them a moment, then kill what is left.
        deadline = time.monotonic() + 10
        left = self._stragglers()
        while left and time.monotonic() < deadline:
            time.sleep(0.3)
            left = self._stragglers()
        if left:
            result["leftover_kernels"] = sum(1 for p in left if is_kernel(p))
            result["leftover_pids"] = [p.pid for p in left]
            for p in left:
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
            psutil.wait_procs(left, timeout=5)
        if (
            self.connection_dir
            and os.path.isdir(self.connection_dir)
            and os.path.basename(self.connection_dir).startswith("voila_")
        ):
            shutil.rmtree(self.connection_dir, ignore_errors=True)
        if self in LIVE_SERVERS:
            LIVE_SERVERS.remove(self)
        return result


def stop_all_servers() -> None:
    for server in list(LIVE_SERVERS):
        try:
            server.stop(timeout=15)
        except Exception as exc:  # noqa: BLE001 - best effort at exit
            print(f"warning: could not stop the {server.config} server: {exc}", file=sys.stderr)


atexit.register(stop_all_servers)


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


# ----------------------------------------------------------------------------- visits


def page_problem(status: int, body: bytes) -> str | None:
    """None for a whole lesson page (every cell run), else what is wrong with it."""
    if status != 200:
        return f"HTTP {status}"
    if b"window.voila_finish()" not in body and not body.rstrip().endswith(b"</html>"):
        return "incomplete body (no voila_finish() / </html>)"
    if b'"output_type": "error"' in body:
        return "page holds a cell error output"
    return None


async def one_visit(url: str, start: asyncio.Event, timeout: float) -> dict:
    async with httpx.AsyncClient(
        trust_env=False, follow_redirects=False, timeout=httpx.Timeout(timeout, connect=10.0)
    ) as client:
        await start.wait()
        t0 = time.perf_counter()
        rec: dict = {
            "status": None,
            "bytes": 0,
            "ttfb_s": None,
            "last_byte_s": None,
            "full_page_s": None,
            "ok": False,
            "error": None,
        }

        async def fetch() -> None:
            parts: list[bytes] = []
            async with client.stream("GET", url) as resp:
                rec["status"] = resp.status_code
                rec["ttfb_s"] = time.perf_counter() - t0
                async for chunk in resp.aiter_bytes():
                    parts.append(chunk)
                    rec["bytes"] += len(chunk)
                    rec["last_byte_s"] = time.perf_counter() - t0
            rec["full_page_s"] = time.perf_counter() - t0
            rec["error"] = page_problem(resp.status_code, b"".join(parts))
            rec["ok"] = rec["error"] is None

        try:
            await asyncio.wait_for(fetch(), timeout)
        except asyncio.TimeoutError:
            rec["error"] = f"timeout after {timeout:.0f} s"
        except Exception as exc:  # noqa: BLE001 - every failure is recorded
            rec["error"] = f"{type(exc).__name__}: {exc}"
        for key in ("ttfb_s", "last_byte_s", "full_page_s"):
            if rec[key] is not None:
                rec[key] = round(rec[key], 4)
        return rec


async def visits(url: str, n: int, timeout: float) -> list[dict]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_visit(url, start, timeout)) for _ in range(n)]
    await asyncio.sleep(0.2)  # every client is waiting at the barrier
    start.set()
    return await asyncio.gather(*tasks)


# ----------------------------------------------------------------------------- stats


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def render_table(head: list[str], body: list[list[str]], left: int = 1) -> list[str]:
    """Lines of a plain-text table: the first ``left`` columns aligned left, the rest right."""
    widths = [
        max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    return [line(head), "  ".join("-" * w for w in widths), *(line(b) for b in body)]


def fmt(x, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


# ----------------------------------------------------------------------------- main


def run_once(config: str, n: int, pool: int | None, args, tag: str, log_copy: Path) -> dict:
    lessons = lesson_names()  # read again for every server: the course may change between runs
    run: dict = {
        "config": config,
        "N": n,
        "pool_size": pool if config == "course" else None,
        "lessons": lessons,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    if config == "course" and not args.no_memory_check:
        # pre-heated kernels of every lesson, plus one refill per visit
        kernels = pool + (len(lessons) - 1) + n
        need_mb = kernels * KERNEL_MB
        avail_mb = psutil.virtual_memory().available / 2**20
        if need_mb > 0.9 * avail_mb:
            run["skipped"] = (
                f"{kernels} kernels x ~{KERNEL_MB} MB = {need_mb / 1024:.1f} GB would "
                f"exceed 90% of the {avail_mb / 1024:.1f} GB available "
                "(lower --pool-size, or --no-memory-check)"
            )
            print(f"  {tag}: SKIPPED: {run['skipped']}", flush=True)
            return run
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-first-visits-{config}-"))
    server = Server(config=config, pool_size=pool, tmpdir=tmp)
    try:
        if args.start_timeout:
            start_timeout = args.start_timeout
        elif config == "course":
            start_timeout = 120 + 10 * (pool + len(lessons))
        else:
            start_timeout = 120
        print(
            f"  {tag}: starting {config} server"
            + (
                f" (pool of {pool} for lesson 03, 1 for each other lesson)"
                if config == "course"
                else ""
            )
            + f", start timeout {start_timeout:.0f} s ...",
            flush=True,
        )
        server.start()
        try:
            run["start"] = server.wait_ready(start_timeout, lessons)
        except StartError as exc:
            run["start_error"] = str(exc)
            run["log_tail"] = exc.log_tail
            print(
                f"  {tag}: SERVER FAILED TO START: {exc}\n--- log tail ---\n{exc.log_tail}\n---",
                flush=True,
            )
            return run
        run["before"] = server.memory()
        url = f"{server.base_url}/voila/render/{LESSON}"
        t0 = time.monotonic()
        run["visits"] = asyncio.run(visits(url, n, args.timeout))
        run["visits_wall_s"] = round(time.monotonic() - t0, 2)
        run["loadavg_after_visits"] = [round(x, 2) for x in os.getloadavg()]
        ok = [v["full_page_s"] for v in run["visits"] if v["ok"]]
        fails = [v["error"] for v in run["visits"] if not v["ok"]]
        print(
            f"  {tag}: {len(ok)}/{n} ok, slowest {fmt(max(ok) if ok else None)} s"
            + (f", failures: {sorted(set(fails))}" if fails else ""),
            flush=True,
        )
        run["idle_wait_s"] = server.wait_idle(max_wait=args.idle_timeout)
        time.sleep(3)
        if server.proc.poll() is None:
            run["after"] = server.memory()
        else:
            # Not stopped by us: nothing to measure, and the visits' failures say why.
            run["server_exited_early"] = server.proc.returncode
            print(
                f"  {tag}: WARNING: the server exited on its own (code {server.proc.returncode}) "
                f"before the measurement\n--- log tail ---\n{server.log_tail(15)}\n---",
                flush=True,
            )
    finally:
        run["stop"] = server.stop()
        if run["stop"]["leftover_kernels"] or run["stop"]["leftover_pids"]:
            print(
                f"  {tag}: WARNING: {len(run['stop']['leftover_pids'])} process(es) "
                f"({run['stop']['leftover_kernels']} kernels) outlived the server and were killed",
                flush=True,
            )
        run["server_log_tail"] = server.log_tail(15)
        if server.log_path is not None and server.log_path.exists():
            log_copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(server.log_path, log_copy)
            run["server_log"] = str(log_copy.relative_to(REPO))
        shutil.rmtree(tmp, ignore_errors=True)
    return run


def summarise(runs: list[dict], config: str, n: int, repeats: int) -> dict:
    mine = [r for r in runs if r["config"] == config and r["N"] == n]
    times = [v["full_page_s"] for r in mine for v in r.get("visits", []) if v["ok"]]
    failures = sum(1 for r in mine for v in r.get("visits", []) if not v["ok"])
    skipped = sum(1 for r in mine if "skipped" in r)
    failures += sum(r["N"] for r in mine if "start_error" in r)  # visits never made
    after = [r["after"] for r in mine if "after" in r]
    return {
        "config": config,
        "N": n,
        "repeats": repeats,
        "pool_size": mine[0]["pool_size"] if mine else None,
        "visits_ok": len(times),
        "p50_s": percentile(times, 0.50),
        "p95_s": percentile(times, 0.95),
        "max_s": max(times) if times else None,
        "failures": failures,
        "server_start_failures": sum(1 for r in mine if "start_error" in r),
        "skipped_runs": skipped,
        "kernels_after": statistics.median([a["kernels"] for a in after]) if after else None,
        "rss_mb_after": statistics.median([a["rss_mb"] for a in after]) if after else None,
        "pss_mb_after": (
            statistics.median([a["pss_mb"] for a in after])
            if after and all(a["pss_mb"] is not None for a in after)
            else None
        ),
        "leftover_kernels": sum(r["stop"]["leftover_kernels"] for r in mine if "stop" in r),
    }


def table(rows: list[dict], speedups: dict) -> str:
    head = ["config", "N", "repeats", "p50 s", "p95 s", "max s", "fail", "kernels", "RSS MB"]
    body = [
        [
            r["config"],
            str(r["N"]),
            str(r["repeats"]),
            fmt(r["p50_s"]),
            fmt(r["p95_s"]),
            fmt(r["max_s"]),
            str(r["failures"]) + (f" ({r['skipped_runs']} skipped)" if r["skipped_runs"] else ""),
            fmt(r["kernels_after"], 0) if r["kernels_after"] is not None else "-",
            fmt(r["rss_mb_after"], 0) if r["rss_mb_after"] is not None else "-",
        ]
        for r in rows
    ]
    lines = render_table(head, body)
    lines.append("")
    for name, text in COLUMNS.items():
        lines.append(f"{name}: {text}")
    lines.append("")
    for n, s in speedups.items():
        lines.append(
            f"speed-up at N={n} (plain p95 / course p95): "
            + (f"{s:.1f}x" if s is not None else "-")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--visitors",
        default="1,10,30",
        help="comma-separated numbers of simultaneous visitors (default 1,10,30)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="fresh-server runs per cell (default 3)"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="pre-heated kernels for lesson 03 in the course config, 1 for the other lessons (default max(N, 2))",
    )
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help="comma-separated subset of course,plain (default both)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=180,
        help="total timeout of one visit, seconds (default 180)",
    )
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=None,
        help="server start timeout, seconds (default 120, or for 'course' "
        "120 + 10 x pool size x lessons)",
    )
    parser.add_argument(
        "--no-memory-check",
        action="store_true",
        help="start a course server even when its kernels (about "
        f"{KERNEL_MB} MB each) may not fit in the available memory",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=180,
        help="longest wait for the server to become idle after the visits (default 180)",
    )
    args = parser.parse_args(argv)
    ns = [int(x) for x in args.visitors.split(",") if x.strip()]
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    if any(c not in CONFIGS for c in configs) or not ns or min(ns) < 1 or args.repeats < 1:
        parser.error("bad --configs, --visitors or --repeats")
    if args.pool_size is not None and args.pool_size < 1:
        parser.error("--pool-size must be at least 1 (use --configs plain for no pre-heating)")
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    lessons = lesson_names()
    if LESSON not in lessons:
        parser.error(f"{LESSON} is not in the course folder")
    started = dt.datetime.now()
    t_start = time.monotonic()
    runs: list[dict] = []
    pools: dict[int, int] = {}
    logs_dir = RESULTS_DIR / f"first_visits-{started:%Y%m%d-%H%M%S}-logs"
    print(
        f"first visits to {LESSON}: visitors {ns}, repeats {args.repeats}, configs {configs}, "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    for n in ns:
        pool = args.pool_size if args.pool_size is not None else max(n, 2)
        pools[n] = pool
        if "course" in configs:
            how = "--pool-size" if args.pool_size is not None else "default max(N, 2)"
            print(
                f"N={n}: course pool size {pool} kernels for lesson 03 ({how}), "
                f"{pool + len(lessons) - 1} pre-heated kernels in all ({len(lessons)} lessons in "
                "the course folder, one kernel for each other lesson)",
                flush=True,
            )
    try:
        for config in configs:
            for n in ns:
                for rep in range(args.repeats):
                    tag = f"{config} N={n} run {rep + 1}/{args.repeats}"
                    log_copy = logs_dir / f"{config}-N{n}-run{rep + 1}.log"
                    runs.append(run_once(config, n, pools[n], args, tag, log_copy))
    except KeyboardInterrupt:
        print("\ninterrupted: stopping servers", file=sys.stderr)
        stop_all_servers()
        return 130
    finally:
        stop_all_servers()

    rows = [summarise(runs, c, n, args.repeats) for c in configs for n in ns]
    speedups: dict[int, float | None] = {}
    if set(CONFIGS) <= set(configs):
        for n in ns:
            c = next(r for r in rows if r["config"] == "course" and r["N"] == n)
            p = next(r for r in rows if r["config"] == "plain" and r["N"] == n)
            speedups[n] = (p["p95_s"] / c["p95_s"]) if c["p95_s"] and p["p95_s"] else None
    text = table(rows, speedups)
    elapsed = time.monotonic() - t_start
    print()
    print(text)
    print(f"\ntotal time {elapsed / 60:.1f} min")

    for r in runs:
        if "start_error" in r:
            print(
                f"\nWARNING: {r['config']} N={r['N']} server failed to start: {r['start_error']}\n"
                f"{r['log_tail']}"
            )
        if r.get("start", {}).get("idle_before_visits") is False:
            print(
                f"WARNING: {r['config']} N={r['N']}: the server's kernels were not all warm, or it "
                "was still busy (CPU), when the visits started"
            )
        if r.get("start", {}).get("all_pools_filled") is False:
            print(
                f"WARNING: {r['config']} N={r['N']}: not every lesson's pool was filled before "
                "the visits"
            )
        if "skipped" in r:
            print(f"WARNING: {r['config']} N={r['N']} skipped: {r['skipped']}")
        if "server_exited_early" in r:
            print(
                f"WARNING: {r['config']} N={r['N']}: the server exited (code "
                f"{r['server_exited_early']}) before it was stopped; see the JSON for its log"
            )
    busy = [r for r in runs if r["loadavg_before"][0] > (os.cpu_count() or 1)]
    if busy:
        print(
            f"WARNING: the machine was busy (1-min load average above {os.cpu_count()}) before "
            f"{len(busy)} of {len(runs)} runs: "
            + ", ".join(f"{r['config']} N={r['N']} ({r['loadavg_before'][0]:.1f})" for r in busy)
        )
    if any(r["leftover_kernels"] for r in rows):
        print("WARNING: kernels outlived their server (killed by the benchmark); see the JSON")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"first_visits-{started:%Y%m%d-%H%M%S}.json"
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        commit = None
    try:
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        dirty = None
    try:
        from importlib.metadata import version

        voila_version = version("voila")
    except Exception:  # noqa: BLE001
        voila_version = None
    doc = {
        "benchmark": "first_visits",
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(elapsed, 1),
        "argv": sys.argv[1:],
        "lesson": LESSON,
        "visitors": ns,
        "repeats": args.repeats,
        "pool_sizes": {str(n): pools[n] for n in ns},
        "pool_size_source": "--pool-size" if args.pool_size is not None else "max(N, 2)",
        "visit_timeout_s": args.timeout,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "voila": voila_version,
            "memory_mb": round(psutil.virtual_memory().total / 2**20),
        },
        "git_commit": commit,
        "git_uncommitted": dirty,
        "columns": COLUMNS,
        "rows": rows,
        "speedup_p95_plain_over_course": {str(k): v for k, v in speedups.items()},
        "table": text,
        "runs": runs,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out.relative_to(REPO)} (server logs in {logs_dir.relative_to(REPO)}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
