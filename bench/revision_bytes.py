"""Benchmark: what one edit of a lesson 04 network adds to the database (prints a table).

Run from the repository root::

    .venv/bin/python bench/revision_bytes.py [--schools 200,1000] [--edits 100]

For each size, a network of that many schools (three links per school) is saved once, then
edited ``--edits`` times, one save per edit as lesson 04 saves it: every other edit renames one
school (its links follow), the others add one link. Printed: one full copy of the network, the
revision text one edit stores (median), the mean over all edits (which includes the full copy
the store makes every ``FULL_EVERY``-th revision: the default 100 edits hold two), and the
growth of the database per edit. The networks, the edits and the measuring are
``tests/unit/test_revision_storage.py``'s, so the benchmark prints what the test asserts.

Databases: a fresh SQLite file in a temporary folder (its size once the WAL is checkpointed),
and, when ``COURSE_BENCH_PG_URL`` (or ``--pg URL``) is set, that PostgreSQL database (the size of
its ``revisions`` table with indexes and TOAST; the benchmark's rows are deleted afterwards).

Prints one table and writes it to ``bench/results/revision_bytes-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import saved  # noqa: E402
from first_visits import fmt, render_table  # noqa: E402

from tests.unit.test_revision_storage import measure_edits  # noqa: E402

COLUMNS = {
    "schools / links": "size of the network after the edits (three links per school to start with).",
    "full copy KB": "one full copy of the network: its JSON text as the store writes it (1 KB = 1,000 bytes).",
    "one edit KB": "revision text stored by one edit: median over the edits.",
    "mean KB/edit": "revision text stored by all the edits / edits (with the periodic full copies).",
    "database KB/edit": "growth of the database per edit from the second edit on: SQLite file after a WAL "
    "checkpoint; PostgreSQL: pg_total_relation_size('revisions').",
    "% of full": "one edit / full copy.",
    "save ms": "median time of one Store.save of the network.",
}


def measured(database: str, url: str, schools: int, edits: int) -> dict:
    found = measure_edits(url, schools, edits)
    return {"database": database, **found, "one_edit_bytes": statistics.median(found["edit_bytes"])}


def table(rows: list[dict]) -> str:
    head = [
        "database",
        "schools / links",
        "full copy KB",
        "one edit KB",
        "mean KB/edit",
        "database KB/edit",
        "% of full",
        "save ms",
    ]
    body = [
        [
            r["database"],
            f"{r['schools']} / {r['links']}",
            fmt(r["full_bytes"] / 1000, 1),
            fmt(r["one_edit_bytes"] / 1000, 2),
            fmt(statistics.mean(r["edit_bytes"]) / 1000, 2),
            fmt(r["database_bytes"] / 1000, 2),
            fmt(100 * r["one_edit_bytes"] / r["full_bytes"], 2),
            fmt(r["save_ms"], 1),
        ]
        for r in rows
    ]
    return "\n".join(
        [*render_table(head, body), "", *(f"{name}: {text}" for name, text in COLUMNS.items())]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--schools", default="200,1000", help="network sizes, comma-separated (default 200,1000)"
    )
    parser.add_argument("--edits", type=int, default=100, help="edits saved per size (default 100)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("COURSE_BENCH_PG_URL", ""),
        help="a PostgreSQL URL (default COURSE_BENCH_PG_URL; none = SQLite only)",
    )
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.schools.split(",")]
    if args.edits < 2 or min(sizes) < 2:
        parser.error("--edits >= 2 and at least 2 schools")
    started = dt.datetime.now()
    rows = []
    for schools in sizes:
        folder = Path(tempfile.mkdtemp(prefix="bench-revision-bytes-"))
        try:
            rows.append(
                measured("sqlite", f"sqlite:///{folder / 'course.db'}", schools, args.edits)
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if args.pg:
            rows.append(measured("postgresql", args.pg, schools, args.edits))
        print(f"  {schools} schools measured", flush=True)
    text = table(rows)
    print()
    print(text)
    doc = {
        "benchmark": "revision_bytes",
        "started": started.isoformat(timespec="seconds"),
        "argv": [a if "://" not in a else "<database URL>" for a in sys.argv[1:]],
        "machine": saved.machine(),
        "columns": COLUMNS,
        "rows": rows,
        "table": text,
    }
    saved.write("revision_bytes", doc, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
