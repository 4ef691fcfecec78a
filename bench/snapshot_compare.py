"""Benchmark: snapshots of a 1,000-school network saved and compared (prints a table).

Run from the repository root::

    .venv/bin/python bench/snapshot_compare.py [--schools 1000] [--repeats 5]

A generated network of ``--schools`` schools (three links per school, levels and trust set) and a
changed copy (2% of the schools gone, as many new ones joined with a link each, 5% of the links
lost, 5% strengthened, 5% weakened) are saved as two snapshots of one learner in a fresh SQLite
store (in a temporary folder), as lesson 05 saves them (``Store.save`` of
``snapshots.to_value``); then the two are read back, compared (``snapshots.compare``, with both
diagnoses) and the picture and tables are built (``html.snapshots``). Each stage is timed
``--repeats`` times (a new store each time); the median and the largest are printed, with the
size of one snapshot in the store. Writes ``bench/results/snapshot_compare-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import saved  # noqa: E402
from first_visits import fmt, render_table  # noqa: E402

from widgets_lib import health, snapshots  # noqa: E402
from widgets_lib.html.snapshots import comparison_svg, comparison_tables  # noqa: E402
from widgets_lib.network import Link, Network, School  # noqa: E402
from widgets_lib.store import Store  # noqa: E402

LEARNER = "bench-learner"
STAGES = {
    "save two snapshots": "two Store.save calls into a fresh SQLite file (each its own transaction)",
    "read them back": "Store.load of the activity and both networks read from their JSON",
    "compare": "snapshots.compare: schools, links, the measures and both diagnoses",
    "picture + tables": "html.snapshots.comparison_svg (one layout of both) and comparison_tables",
}


def networks(schools: int, seed: int = 17) -> tuple[Network, Network]:
    """A network of ``schools`` schools with three links each, and a changed copy."""
    rng = random.Random(seed)
    names = [f"School {i:05d}" for i in range(schools)]
    pairs: dict[tuple[int, int], Link] = {}
    while len(pairs) < 3 * schools:
        a, b = sorted(rng.sample(range(schools), 2))
        pairs[(a, b)] = Link(names[a], names[b], level=rng.randrange(1, 5), trust=rng.randint(1, 4))
    before = Network(tuple(School(name) for name in names), tuple(pairs.values()))
    gone = set(rng.sample(names, schools // 50))
    links = [ln for ln in before.links if ln.source not in gone and ln.target not in gone]
    rng.shuffle(links)
    step = len(links) // 20
    lost, stronger, weaker, kept = (
        links[:step],
        links[step : 2 * step],
        links[2 * step : 3 * step],
        links[3 * step :],
    )
    del lost  # 5% of the links are no longer there
    joined = [School(f"New school {i:05d}") for i in range(len(gone))]
    staying = [name for name in names if name not in gone]
    after = Network(
        tuple(s for s in before.schools if s.name not in gone) + tuple(joined),
        tuple(
            [replace(ln, level=ln.level + 1) for ln in stronger]
            + [replace(ln, level=ln.level - 1) for ln in weaker]
            + kept
            + [Link(s.name, rng.choice(staying), level=2) for s in joined]
        ),
    )
    return before, after


def run_once(folder: Path, before: Network, after: Network, items: dict) -> dict:
    store = Store(f"sqlite:///{folder / 'course.db'}")
    try:
        store.ensure_learner(LEARNER, "code")
        times: dict[str, float] = {}
        start = time.perf_counter()
        first = snapshots.new_snapshot("Autumn 2026", before, [], "2026-10-01T10:00:00+00:00")
        second = snapshots.new_snapshot("Spring 2027", after, [first], "2027-03-01T10:00:00+00:00")
        for snap in (first, second):
            store.save(LEARNER, snapshots.ACTIVITY, snap.key, snapshots.to_value(snap), 0)
        times["save two snapshots"] = time.perf_counter() - start

        start = time.perf_counter()
        saved = snapshots.from_saved(store.load(LEARNER, snapshots.ACTIVITY))
        old, new = saved[0].network(), saved[1].network()
        times["read them back"] = time.perf_counter() - start

        start = time.perf_counter()
        comparison = snapshots.compare(old, new, items)
        times["compare"] = time.perf_counter() - start

        start = time.perf_counter()
        html = comparison_svg(old, new, comparison, first.name, second.name)
        html += comparison_tables(comparison, first.name, second.name)
        times["picture + tables"] = time.perf_counter() - start
        return {
            "drawn": "<line" in html,
            "seconds": times,
            "snapshot_bytes": snapshots.stored_bytes(first),
            "html_bytes": len(html.encode("utf-8")),
            "counts": comparison.counts(),
        }
    finally:
        store.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=1000, help="schools (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs (default 5)")
    args = parser.parse_args(argv)
    if args.schools < 100 or args.repeats < 1:
        parser.error("--schools >= 100 and --repeats >= 1")
    started = dt.datetime.now()
    loadavg = os.getloadavg()
    before, after = networks(args.schools)
    items = {item.id: 3 for item in health.load_items().items}
    runs = []
    for repeat in range(args.repeats):
        folder = Path(tempfile.mkdtemp(prefix="bench-snapshots-"))
        try:
            runs.append(run_once(folder, before, after, items))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(f"  run {repeat + 1} of {args.repeats} done", flush=True)
    rows = [
        {
            "stage": stage,
            "median_ms": 1000 * statistics.median(r["seconds"][stage] for r in runs),
            "max_ms": 1000 * max(r["seconds"][stage] for r in runs),
        }
        for stage in STAGES
    ]
    total = [sum(r["seconds"].values()) for r in runs]
    rows.append(
        {
            "stage": "all four",
            "median_ms": 1000 * statistics.median(total),
            "max_ms": 1000 * max(total),
        }
    )
    last = runs[-1]
    head = ["stage", "median ms", "max ms"]
    body = [[r["stage"], fmt(r["median_ms"], 1), fmt(r["max_ms"], 1)] for r in rows]
    text = "\n".join(
        [
            f"{args.schools:,} schools, {len(before.links):,} links before, "
            f"{len(after.links):,} after; changes: "
            + ", ".join(f"{k} {v:,}" for k, v in last["counts"].items()),
            f"one snapshot in the store: {last['snapshot_bytes'] / 1000:,.0f} KB; "
            f"picture + tables: {last['html_bytes'] / 1000:,.0f} KB of HTML"
            + ("" if last["drawn"] else " (the picture was NOT drawn: too many schools)"),
            "",
            *render_table(head, body),
            "",
            *(f"{name}: {words}" for name, words in STAGES.items()),
        ]
    )
    print()
    print(text)
    doc = {
        "benchmark": "snapshot_compare",
        "started": started.isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "loadavg": loadavg,
        "machine": saved.machine(),
        "schools": args.schools,
        "repeats": args.repeats,
        "snapshot_bytes": last["snapshot_bytes"],
        "drawn": last["drawn"],
        "counts": last["counts"],
        "rows": rows,
        "table": text,
    }
    saved.write("snapshot_compare", doc, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
