"""Time to validate, diagnose and draw generated networks of several sizes (prints a table).

    .venv/bin/python bench/network_scale.py [--repeats 5]

validate = parse and check the two CSV files (network_io.read_network) from bytes;
diagnose = classify.diagnose with all 14 construct scores (measures included);
draw     = build the drawing page (drawing.network_page: pyvis data + the course template),
           i.e. the work done in the kernel; the browser's layout time is not included. Above
           network_io.MAX_DRAWN (1,000) schools the view draws nothing: it says so and shows
           the summary and tables, so there is no draw row at 10,000;
map      = what lesson 04's map editor sends after every change: drawing.drawing_data (the same
           pyvis nodes, edges and options) serialised to JSON, as the widget's update is; the
           size of that update is printed under the table;
tables   = the summary and the tables the view shows under every drawing (views.network's
           summary_html and tables_html), the text alternative to the picture.
Networks are generated: N schools, 3 links per school on average, levels 0–5, some
links to partners outside the schools. Medians and the slowest of --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import saved  # noqa: E402

from widgets_lib import classify, network_io  # noqa: E402
from widgets_lib.health import CONSTRUCTS  # noqa: E402
from widgets_lib.html.drawing import drawing_data, network_page  # noqa: E402
from widgets_lib.html.network_tables import summary_html, tables_html  # noqa: E402
from widgets_lib.network import Link, Network, School  # noqa: E402


def generate(n: int, seed: int = 1) -> Network:
    rng = random.Random(seed)
    kinds = ["school"] * 8 + ["lea", "university"]
    schools = tuple(School(f"School {i:05d}", rng.choice(kinds)) for i in range(n))
    seen, links = set(), []
    while len(links) < 3 * n:
        a, b = rng.randrange(n), rng.randrange(n)
        if a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        links.append(
            Link(
                schools[a].name,
                schools[b].name,
                level=rng.randrange(6),
                origin=rng.choice(["funding", "friendship", "shared_problem"]),
                flows=("information",),
                trust=rng.randrange(1, 5),
            )
        )
    return Network(schools=schools, links=tuple(links))


def timed(fn, repeats: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), max(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    answers = {c: 3.0 for c in CONSTRUCTS}
    rows = []
    sizes = {}
    for n in (200, 1000, 10_000):
        network = generate(n)
        for work in ("validate", "diagnose", "draw", "map", "tables"):
            if work == "validate":
                schools, links = network_io.to_csv(network)
                median, worst = timed(lambda: network_io.read_network(schools, links), args.repeats)
            elif work == "diagnose":
                median, worst = timed(lambda: classify.diagnose(network, answers), args.repeats)
            elif work == "draw":
                if n > network_io.MAX_DRAWN:
                    continue  # the view does not draw it (see above)
                median, worst = timed(lambda: network_page(network), args.repeats)
            elif work == "map":
                if n > network_io.MAX_DRAWN:
                    continue  # nor does the map editor
                median, worst = timed(lambda: json.dumps(drawing_data(network)), args.repeats)
                sizes[n] = len(json.dumps(drawing_data(network)).encode("utf-8"))
            else:
                median, worst = timed(
                    lambda: (summary_html(network), tables_html(network)), args.repeats
                )
            rows.append((work, n, len(network.links), median, worst))
    print(f"{'work':<9} {'schools':>8} {'links':>7} {'median ms':>10} {'max ms':>8}")
    for work, n, links, median, worst in rows:
        print(f"{work:<9} {n:>8,} {links:>7,} {median * 1000:>10.1f} {worst * 1000:>8.1f}")
    for n, size in sizes.items():
        print(f"map editor update at {n:,} schools: {size / 1024:,.0f} KiB of JSON")
    print(f"\n{args.repeats} runs each, one process, wall-clock time (time.perf_counter).")
    print(__doc__.split("\n\n")[2])
    saved.write(
        "network_scale",
        {
            "benchmark": "network_scale",
            "repeats": args.repeats,
            "loadavg": os.getloadavg(),
            "how": __doc__.split("\n\n")[2],
            "rows": [
                {"work": w, "schools": n, "links": k, "median_ms": m * 1000, "max_ms": x * 1000}
                for w, n, k, m, x in rows
            ],
        },
    )


if __name__ == "__main__":
    main()
