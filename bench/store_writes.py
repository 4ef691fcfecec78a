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
history every write, in order. The writers and the read-back are ``tests/store_writers.py``'s,
shared with the store-concurrency test, so the benchmark times what the test proves.

Databases: a fresh SQLite file in a temporary folder, and, when ``COURSE_BENCH_PG_URL`` (or
``--pg URL``) is set, that PostgreSQL database (the benchmark's rows are deleted afterwards).

Prints one table and writes it, with every run, to ``bench/results/store_writes-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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

from tests.store_writers import check_saved, own_learner, run_writers, shared_learner  # noqa: E402

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


def cleanup(url: str, prefix: str, writers: int) -> None:
    from widgets_lib.store import Store

    store = Store(url)
    try:
        for learner in [shared_learner(prefix), *(own_learner(prefix, w) for w in range(writers))]:
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
    run.update(check_saved(url, prefix, writers, saves))
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
