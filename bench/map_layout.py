"""Time the saved layout of a network (issue 17) at 200 and 1,000 schools (prints a table).

    .venv/bin/python bench/map_layout.py [--schools 200,1000] [--repeats 5]

place      = layout.placed on a fresh network (no school has a place): the seeded first layout
             and every name put on a free spot, as lesson 04 does on its first save;
add one    = layout.placed after one new school linked to two others is added to the placed
             network (what every later "Add school" does);
save       = Store.save of the placed network into a fresh SQLite file (record.network_to_value,
             as lesson 04 saves it), each run its own store;
read back  = record.load_network from that store (the JSON read and checked);
drawing    = the drawing page built from the network read back (drawing.network_page: pyvis data
             with the saved places, physics off; the browser's work not included);
picture    = the static picture of lesson 05, the report and the tutor's view
             (network_svg.network_svg with the saved places).
Networks are generated as in network_scale.py (3 links per school). One process, wall-clock
time (time.perf_counter); medians and the slowest of --repeats runs. It also prints how many pairs
of name boxes overlap after placing (layout.overlapping; 0 expected) and the layout's size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import saved  # noqa: E402
from network_scale import generate  # noqa: E402

from widgets_lib.html.drawing import network_page  # noqa: E402
from widgets_lib.html.network_svg import network_svg  # noqa: E402
from widgets_lib.layout import box, overlapping, placed  # noqa: E402
from widgets_lib.network import Link, School  # noqa: E402
from widgets_lib.record import (  # noqa: E402
    NETWORK_ACTIVITY,
    NETWORK_KEY,
    load_network,
    network_to_value,
)
from widgets_lib.store import Store  # noqa: E402

STAGES = ("place", "add one", "save", "read back", "drawing", "picture")


def measure(n: int, repeats: int) -> dict:
    fresh = generate(n)
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    laid = placed(fresh)  # once untimed, so the first timed run is not the one loading NumPy
    for _ in range(repeats):
        start = time.perf_counter()
        laid = placed(replace(fresh))
        times["place"].append(time.perf_counter() - start)

        newcomer = f"New school {n}"
        grown = laid.with_school(School(newcomer))
        grown = grown.with_link(Link(newcomer, laid.names[0])).with_link(
            Link(newcomer, laid.names[n // 2])
        )
        start = time.perf_counter()
        placed(grown)
        times["add one"].append(time.perf_counter() - start)

        with tempfile.TemporaryDirectory() as folder:
            store = Store(f"sqlite:///{folder}/bench.db")
            try:
                store.ensure_learner("bench", "code")
                start = time.perf_counter()
                store.save("bench", NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(laid))
                times["save"].append(time.perf_counter() - start)
                start = time.perf_counter()
                read = load_network(store, "bench")
                times["read back"].append(time.perf_counter() - start)
            finally:
                store.dispose()
        assert read == laid, "the places did not come back from the store"
        start = time.perf_counter()
        network_page(read)
        times["drawing"].append(time.perf_counter() - start)
        start = time.perf_counter()
        network_svg(read, framed=True)
        times["picture"].append(time.perf_counter() - start)
    boxes = [box(s) for s in laid.schools]
    return {
        "schools": n,
        "links": len(fresh.links),
        "overlapping_pairs": len(overlapping(laid)),
        "width": round(max(b[2] for b in boxes) - min(b[0] for b in boxes)),
        "height": round(max(b[3] for b in boxes) - min(b[1] for b in boxes)),
        "stages": {
            stage: {
                "median_ms": statistics.median(runs) * 1000,
                "max_ms": max(runs) * 1000,
            }
            for stage, runs in times.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", default="200,1000", help="comma-separated sizes")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    loadavg = os.getloadavg()
    rows = [measure(int(n), args.repeats) for n in args.schools.split(",") if n.strip()]
    print(f"{'stage':<10} {'schools':>8} {'links':>7} {'median ms':>10} {'max ms':>8}")
    for row in rows:
        for stage, figures in row["stages"].items():
            print(
                f"{stage:<10} {row['schools']:>8,} {row['links']:>7,} "
                f"{figures['median_ms']:>10.1f} {figures['max_ms']:>8.1f}"
            )
    for row in rows:
        print(
            f"{row['schools']:,} schools: {row['overlapping_pairs']} overlapping name boxes; "
            f"layout {row['width']:,} × {row['height']:,} drawing units"
        )
    print(f"\n{args.repeats} runs each; load average before {[round(x, 2) for x in loadavg]}.")
    print(__doc__.split("\n\n")[2])
    saved.write(
        "map_layout",
        {
            "benchmark": "map_layout",
            "repeats": args.repeats,
            "loadavg": loadavg,
            "how": __doc__.split("\n\n")[2],
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
