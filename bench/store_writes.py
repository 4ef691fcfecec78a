"""Benchmark: store writes per second with 64 writer processes on one database (prints a table).

Run from the repository root::

    .venv/bin/python bench/store_writes.py [--writers 64] [--saves 200] [--repeats 1]

Each writer is its own process (``spawn``: nothing inherited), with its own ``Store``, as every
Voila kernel has. All writers wait at a barrier, open the store on the same database, wait
again, then save as fast as they can, timing every ``Store.save`` call (one transaction: the
current answer upserted and a revision appended). Every writer saves to its own learner; every
10th save overwrites the writer's own "latest" key and every 20th overwrites one key of one
learner shared by all writers, so writers also contend for the same rows. Afterwards the
benchmark reads everything back: nothing may be lost, each key holds its last write and each
history every write, in order.

Databases: a fresh SQLite file in a temporary folder, and, when ``COURSE_BENCH_PG_URL`` (or
``--pg URL``) is set, that PostgreSQL database (the benchmark's rows are deleted afterwards).

Prints one table and writes it, with every run, to ``bench/results/store_writes-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import queue
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from first_visits import REPO, RESULTS_DIR, fmt, percentile, render_table  # noqa: E402

START_TIMEOUT_S = 300  # spawning and importing dozens of interpreters on a small machine
ACTIVITY = "bench"

COLUMNS = {
    "database": "sqlite = a fresh SQLite file (WAL, BEGIN IMMEDIATE, as the course uses it); "
    "postgresql = the database of COURSE_BENCH_PG_URL.",
    "writers x saves": "writer processes (multiprocessing, spawn) x saves each, all released at "
    "once by a barrier after every writer has opened the store.",
    "writes/s": "all saves / (last writer's end - first writer's start), wall clock "
    "(time.time() in the writers); median over --repeats runs.",
    "p50 / p95 / max ms": "latency of one Store.save call (time.perf_counter around it, in the "
    "writer), over every save of every run.",
    "failed": "saves that raised (each is counted, not retried).",
    "lost": "saves not found when everything is read back afterwards (revisions missing, a key "
    "not holding its writer's last write, a history out of order); 0 expected.",
}


def plan(prefix: str, writer: int, i: int) -> tuple[str, str, dict]:
    """(learner, key, value) of save ``i`` of ``writer``."""
    value = {"writer": writer, "i": i, "text": f'Réponse "{i}" of writer {writer}: ✓'}
    if i % 20 == 19:
        return f"{prefix}-shared", "everyone", value
    if i % 10 == 9:
        return f"{prefix}-w{writer:03d}", "latest", value
    return f"{prefix}-w{writer:03d}", f"q{i:04d}", value


def writer_process(url: str, prefix: str, writer: int, saves: int, barrier, results) -> None:
    """One kernel's worth of saves; reports its timings and failures to ``results``."""
    from widgets_lib.store import Store

    latencies: list[float] = []
    failures, errors, started, finished = 0, [], 0.0, 0.0
    store = None
    try:
        barrier.wait(timeout=START_TIMEOUT_S)
        try:
            store = Store(url)
            store.ensure_learner(f"{prefix}-w{writer:03d}", "code")
            store.ensure_learner(f"{prefix}-shared", "code")
        except Exception as exc:  # noqa: BLE001 - reported
            failures, errors = saves, [f"setup: {exc!r}"]
        barrier.wait(timeout=START_TIMEOUT_S)
        started = time.time()
        if store is not None:
            for i in range(saves):
                learner, key, value = plan(prefix, writer, i)
                t0 = time.perf_counter()
                try:
                    store.save(learner, ACTIVITY, key, value)
                    latencies.append(time.perf_counter() - t0)
                except Exception as exc:  # noqa: BLE001 - counted
                    failures += 1
                    if len(errors) < 3:
                        errors.append(f"save {i}: {exc!r}")
        finished = time.time()
    except Exception as exc:  # noqa: BLE001 - e.g. a broken barrier
        failures, errors = saves, errors + [f"writer: {exc!r}"]
    finally:
        if store is not None:
            store.dispose()
        results.put((writer, latencies, failures, errors, started, finished))


def run_writers(url: str, prefix: str, writers: int, saves: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=writer_process, args=(url, prefix, w, saves, barrier, results), daemon=True
        )
        for w in range(writers)
    ]
    wall = time.monotonic()
    for proc in procs:
        proc.start()
    reports: dict[int, tuple] = {}
    deadline = time.monotonic() + START_TIMEOUT_S + 900
    try:
        while len(reports) < writers and time.monotonic() < deadline:
            try:
                writer, *report = results.get(timeout=5)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    break
                continue
            reports[writer] = tuple(report)
    finally:
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():  # our own child, by its own handle
                proc.terminate()
                proc.join(timeout=10)
    latencies = [t for (lat, *_rest) in reports.values() for t in lat]
    starts = [r[3] for r in reports.values() if r[3]]
    ends = [r[4] for r in reports.values() if r[4]]
    elapsed = max(ends) - min(starts) if starts and ends else None
    return {
        "writers_reported": len(reports),
        "saves_ok": len(latencies),
        "failed": sum(r[1] for r in reports.values()) + saves * (writers - len(reports)),
        "errors": [e for r in reports.values() for e in r[2]][:10],
        "elapsed_s": round(elapsed, 3) if elapsed else None,
        "wall_with_startup_s": round(time.monotonic() - wall, 2),
        "writes_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "latencies_ms": [round(t * 1000, 3) for t in latencies],
    }


def count_lost(url: str, prefix: str, writers: int, saves: int) -> dict[str, Any]:
    """Read everything back; count what is missing or wrong."""
    from widgets_lib.store import Store

    store = Store(url)
    lost, problems = 0, []
    try:
        shared = [r.value for r in store.history(f"{prefix}-shared", ACTIVITY, "everyone")]
        expected_shared = [
            plan(prefix, w, i)[2] for w in range(writers) for i in range(saves) if i % 20 == 19
        ]
        missing = len(expected_shared) - len(shared)
        lost += max(missing, 0)
        for w in range(writers):
            learner = f"{prefix}-w{w:03d}"
            plans = [plan(prefix, w, i) for i in range(saves)]
            own = {key: value for who, key, value in plans if who == learner}
            saved = store.load(learner, ACTIVITY)
            wrong = [k for k, v in own.items() if k != "latest" and saved.get(k) != v]
            latest = [value for who, key, value in plans if who == learner and key == "latest"]
            history = [r.value for r in store.history(learner, ACTIVITY, "latest")]
            lost += len(wrong) + max(len(latest) - len(history), 0)
            if latest and saved.get("latest") != latest[-1]:
                problems.append(f"writer {w}: 'latest' is not its last write")
            if history != latest:
                problems.append(f"writer {w}: history of 'latest' out of order or altered")
            mine = [v for v in shared if v.get("writer") == w]
            if mine != [p[2] for p in plans if p[0] == f"{prefix}-shared"]:
                problems.append(
                    f"writer {w}: its writes to the shared key are missing or out of order"
                )
        if shared and store.load(f"{prefix}-shared", ACTIVITY).get("everyone") != shared[-1]:
            problems.append("the shared key does not hold its last revision")
    finally:
        store.dispose()
    return {"lost": lost, "problems": problems[:10]}


def cleanup(url: str, prefix: str, writers: int) -> None:
    from widgets_lib.store import Store

    store = Store(url)
    try:
        for learner in [f"{prefix}-shared", *(f"{prefix}-w{w:03d}" for w in range(writers))]:
            store.delete_learner(learner)
    finally:
        store.dispose()


def sqlite_integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def one_run(kind: str, url: str, writers: int, saves: int, tag: str) -> dict[str, Any]:
    prefix = f"bench-{secrets.token_hex(4)}"
    run: dict[str, Any] = {
        "database": kind,
        "writers": writers,
        "saves": saves,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"  {tag}: {writers} writers x {saves} saves on {kind} ...", flush=True)
    run.update(run_writers(url, prefix, writers, saves))
    run.update(count_lost(url, prefix, writers, saves))
    if kind == "postgresql":
        cleanup(url, prefix, writers)
    lat = run["latencies_ms"]
    print(
        f"  {tag}: {fmt(run['writes_per_s'], 0)} writes/s, p95 {fmt(percentile(lat, 0.95))} ms, "
        f"{run['failed']} failed, {run['lost']} lost"
        + (f"; {run['errors'][:2]}" if run["errors"] else "")
        + (f"; {run['problems'][:2]}" if run["problems"] else ""),
        flush=True,
    )
    return run


def summarise(runs: list[dict]) -> dict[str, Any]:
    lat = [t for r in runs for t in r["latencies_ms"]]
    rates = sorted(r["writes_per_s"] for r in runs if r["writes_per_s"])
    return {
        "database": runs[0]["database"],
        "writers": runs[0]["writers"],
        "saves": runs[0]["saves"],
        "runs": len(runs),
        "writes_per_s": rates[len(rates) // 2] if rates else None,
        "p50_ms": percentile(lat, 0.5),
        "p95_ms": percentile(lat, 0.95),
        "max_ms": max(lat) if lat else None,
        "failed": sum(r["failed"] for r in runs),
        "lost": sum(r["lost"] for r in runs),
        "problems": sum(len(r["problems"]) for r in runs),
        "integrity": sorted({r.get("integrity", "-") for r in runs}),
    }


def table(rows: list[dict]) -> str:
    head = [
        "database",
        "writers x saves",
        "runs",
        "writes/s",
        "p50 ms",
        "p95 ms",
        "max ms",
        "failed",
        "lost",
    ]
    body = [
        [
            r["database"],
            f"{r['writers']} x {r['saves']}",
            str(r["runs"]),
            fmt(r["writes_per_s"], 0),
            fmt(r["p50_ms"]),
            fmt(r["p95_ms"]),
            fmt(r["max_ms"], 0),
            str(r["failed"]),
            str(r["lost"]) + (f" ({r['problems']} problems)" if r["problems"] else ""),
        ]
        for r in rows
    ]
    lines = render_table(head, body)
    lines.append("")
    lines += [f"{name}: {text}" for name, text in COLUMNS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--saves", type=int, default=200, help="saves per writer (default 200)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per database (default 1)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("COURSE_BENCH_PG_URL", ""),
        help="a PostgreSQL URL (default COURSE_BENCH_PG_URL; none = SQLite only)",
    )
    args = parser.parse_args(argv)
    if args.writers < 1 or args.saves < 20 or args.repeats < 1:
        parser.error("--writers >= 1, --saves >= 20, --repeats >= 1")
    started = dt.datetime.now()
    t_start = time.monotonic()
    runs: list[dict] = []
    print(
        f"store writes: {args.writers} writers x {args.saves} saves, "
        f"{args.repeats} run(s) per database, "
        f"{os.cpu_count()} CPUs"
        + (
            ", with PostgreSQL"
            if args.pg
            else ", SQLite only (set COURSE_BENCH_PG_URL for PostgreSQL)"
        ),
        flush=True,
    )
    for rep in range(args.repeats):
        folder = Path(tempfile.mkdtemp(prefix="bench-store-writes-"))
        try:
            path = folder / "course.db"
            run = one_run(
                "sqlite",
                f"sqlite:///{path}",
                args.writers,
                args.saves,
                f"sqlite run {rep + 1}/{args.repeats}",
            )
            run["integrity"] = sqlite_integrity(path)
            runs.append(run)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if args.pg:
            runs.append(
                one_run(
                    "postgresql",
                    args.pg,
                    args.writers,
                    args.saves,
                    f"postgresql run {rep + 1}/{args.repeats}",
                )
            )
    rows = [
        summarise([r for r in runs if r["database"] == kind])
        for kind in ("sqlite", "postgresql")
        if any(r["database"] == kind for r in runs)
    ]
    text = table(rows)
    elapsed = time.monotonic() - t_start
    print()
    print(text)
    print(f"\ntotal time {elapsed / 60:.1f} min")
    if any(r["loadavg_before"][0] > (os.cpu_count() or 1) for r in runs):
        print(
            "WARNING: the machine was busy (1-min load average above "
            f"{os.cpu_count()}) before a run"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"store_writes-{started:%Y%m%d-%H%M%S}.json"
    doc = {
        "benchmark": "store_writes",
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(elapsed, 1),
        "argv": [a if "://" not in a else "<database URL>" for a in sys.argv[1:]],
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "columns": COLUMNS,
        "rows": rows,
        "table": text,
        "runs": runs,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out.relative_to(REPO)}")
    return 0 if all(r["failed"] == 0 and r["lost"] == 0 and not r["problems"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
