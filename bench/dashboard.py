"""Time for the tutor dashboard to load and draw a cohort of generated participants (prints a table).

    .venv/bin/python bench/dashboard.py [--participants 500] [--repeats 3] [--db URL]

Each participant is generated (invented): a network of 6–14 schools drawn from a shared pool of
school names (so the merged network has schools named by several people, with spelling
variants), 1–2 links per school, a complete capacity self-assessment, all 28 health-check
answers, progress on some lessons and, for half of them, a shared journal entry.

Stages, timed inside one Python process against the store, exactly as the dashboard runs them:
  load    = store.load_cohort + cohorts.participant_view for everyone (includes each diagnosis)
  render  = the HTML of progress, capacity, diagnoses and shared reflections
  merge   = cohort_network.merge + the merged network's SVG and tables
  total   = Dashboard.finish("key=…") end to end (opening with the key does all of the above)
Medians and the slowest of --repeats runs. The database is a fresh SQLite file unless --db is given.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import saved  # noqa: E402

from widgets_lib import capacity, cohort_network, cohorts, health, identity  # noqa: E402
from widgets_lib.network import Link, Network, School  # noqa: E402
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, network_to_value  # noqa: E402
from widgets_lib.store import Store  # noqa: E402
from widgets_lib.views.dashboard import (  # noqa: E402
    Dashboard,
    capacity_html,
    diagnoses_html,
    merged_html,
    progress_html,
    reflections_html,
)


def pool(n: int) -> list[str]:
    return [
        f"{w} {k}"
        for w in (
            "Ash",
            "Birch",
            "Cedar",
            "Elm",
            "Hazel",
            "Oak",
            "Rowan",
            "Willow",
            "Yew",
            "Holly",
            "Alder",
            "Beech",
            "Larch",
            "Maple",
            "Pine",
            "Aspen",
        )[: max(1, n // 8)]
        for k in (
            "Primary",
            "Junior",
            "Infants",
            "High",
            "Academy",
            "College",
            "Special School",
            "Nursery",
        )
    ]


def fill(store: Store, participants: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    cohort, code, key = cohorts.create(store, "Generated cohort (invented)")
    names = pool(120)
    bank = capacity.load_bank()
    items = health.load_items().items
    for i in range(participants):
        learner = identity.code_key(identity.new_code())
        store.ensure_learner(learner, "code")
        chosen = rng.sample(names, rng.randint(6, 14))
        chosen = [n.lower() if rng.random() < 0.1 else n for n in chosen]  # spelling variants
        schools = tuple(School(n) for n in chosen)
        links = {
            tuple(sorted(rng.sample(chosen, 2)))
            for _ in range(rng.randint(len(chosen), 2 * len(chosen)))
        }
        network = Network(
            schools=schools, links=tuple(Link(a, b, level=rng.randint(1, 5)) for a, b in links)
        )
        store.save(learner, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
        for item in bank.items:
            store.save(
                learner, capacity.ACTIVITY, capacity.answer_key(1, item.id), rng.randint(1, 4)
            )
        store.save(learner, capacity.ACTIVITY, "attempts", [{"n": 1, "started": "2026-11-22"}])
        for item in items:
            store.save(learner, "health", item.id, rng.randint(1, 5))
        for lesson in ("01", "02", "03", "04", "05")[: rng.randint(1, 5)]:
            store.save(
                learner, "progress", lesson, {"status": "done", "at": "2026-11-22T10:00:00+00:00"}
            )
        if i % 2 == 0:
            store.save(learner, "journal", "r01a", f"Generated reflection {i}.")
        cohorts.join(store, learner, code, f"Participant {i:03d} (invented)", i % 2 == 0)
    return key


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-dashboard-")
    store = Store(args.db or f"sqlite:///{folder}/bench.db")
    t_fill, key = timed(lambda: fill(store, args.participants))
    cohort = cohorts.open_for_tutor(store, str(key))
    runs: dict[str, list[float]] = {"load": [], "render": [], "merge": [], "total": []}
    for _ in range(args.repeats):
        t, views = timed(lambda: cohorts.cohort_views(store, cohort.id))
        runs["load"].append(t)
        runs["render"].append(
            timed(
                lambda: [
                    f(views)
                    for f in (progress_html, capacity_html, diagnoses_html, reflections_html)
                ]
            )[0]
        )
        contributions = [
            cohort_network.Contribution(v.name, v.network) for v in views if v.network.schools
        ]
        runs["merge"].append(timed(lambda: merged_html(cohort_network.merge(contributions)))[0])
        page = Dashboard(store=store, show=False)
        runs["total"].append(timed(lambda: page.finish(f"key={key}"))[0])
        assert page.cohort is not None and len(page.views) == args.participants, page.status.value
    print(
        f"dashboard, {args.participants} generated participants ({store.engine.dialect.name}; "
        f"filling the store took {t_fill:.1f} s), {args.repeats} runs"
    )
    print(f"{'stage':<8} {'median s':>9} {'max s':>7}")
    for stage, values in runs.items():
        print(f"{stage:<8} {statistics.median(values):>9.2f} {max(values):>7.2f}")
    store.dispose()
    shutil.rmtree(folder, ignore_errors=True)  # the throw-away database
    saved.write(
        "dashboard",
        {
            "benchmark": "dashboard",
            "participants": args.participants,
            "repeats": args.repeats,
            "database": store.engine.dialect.name,
            "fill_s": t_fill,
            "loadavg": os.getloadavg(),
            "stages": {
                stage: {"median_s": statistics.median(v), "max_s": max(v), "runs_s": v}
                for stage, v in runs.items()
            },
        },
    )


if __name__ == "__main__":
    main()
