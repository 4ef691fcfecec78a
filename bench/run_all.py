"""Run every benchmark and print one table of figures: ``make bench`` (or this script).

Run from the repository root::

    .venv/bin/python bench/run_all.py            # the full run (about 2 to 2.5 hours on 2 cores)
    .venv/bin/python bench/run_all.py --quick    # smaller runs (about 25 to 35 minutes)
    .venv/bin/python bench/run_all.py --report   # no runs: the table from the newest results

Each benchmark runs as its own process (its output is shown as it goes) and writes its JSON to
``bench/results/``; this script reads those files and prints one table: figure | measured |
target | met? | how measured. The table and the files it came from are written to
``bench/results/run_all-<timestamp>.json``. ``--only`` / ``--skip`` choose benchmarks by name;
``COURSE_BENCH_PG_URL`` adds PostgreSQL to the store benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"

# name: (script, quick arguments, full arguments, approximate minutes quick / full on 2 cores)
BENCHMARKS: dict[str, tuple[str, list[str], list[str], str]] = {
    "first_visits": (
        "first_visits.py",
        ["--visitors", "1,10", "--repeats", "1"],
        ["--visitors", "1,10,30,60", "--repeats", "3"],
        "5 / 60-80",
    ),
    "browser_widgets": (
        "browser_widgets.py",
        ["--repeats", "1", "--changes", "10"],
        ["--repeats", "5", "--changes", "30"],
        "8 / 30-35",
    ),
    "memory": (
        "memory.py",
        ["--visitors", "5", "--cull-idle", "60"],
        ["--visitors", "10"],
        "7 / 15",
    ),
    "store_writes": (
        "store_writes.py",
        ["--saves", "50"],
        ["--saves", "200", "--repeats", "3"],
        "1 / 5",
    ),
    "network_scale": ("network_scale.py", ["--repeats", "1"], ["--repeats", "5"], "1 / 2"),
    "dashboard": (
        "dashboard.py",
        ["--participants", "100", "--repeats", "1"],
        ["--participants", "500", "--repeats", "3"],
        "2 / 10",
    ),
    "class_load": (
        "class_load.py",
        ["--learners", "30", "--work", "30", "--starts", "5", "--browsers", "1"],
        ["--learners", "30", "--work", "60", "--starts", "10", "--browsers", "2"],
        "8 / 12",
    ),
    "class_200": (
        "class_load.py",
        ["--learners", "60", "--configs", "forked", "--work", "30", "--starts", "5"]
        + ["--browsers", "1", "--name", "class_200"],
        ["--learners", "200", "--configs", "forked", "--work", "60", "--starts", "10"]
        + ["--browsers", "2", "--name", "class_200"],
        "6 / 12",
    ),
    "reloads": (
        "reloads.py",
        ["--rounds", "1"],
        ["--rounds", "5"],
        "3 / 8",
    ),
    "hub_wait": (
        "hub_wait.py",
        ["--participants", "1,10"],
        ["--participants", "1,10,30"],
        "2 / 5",
    ),
    "revision_bytes": (
        "revision_bytes.py",
        ["--schools", "200,1000", "--edits", "60"],
        ["--schools", "200,1000", "--edits", "200"],
        "1 / 3",
    ),
    "snapshot_compare": (
        "snapshot_compare.py",
        ["--schools", "1000", "--repeats", "1"],
        ["--schools", "1000", "--repeats", "5"],
        "1 / 1",
    ),
    "map_layout": (
        "map_layout.py",
        ["--schools", "200,1000", "--repeats", "1"],
        ["--schools", "200,1000", "--repeats", "5"],
        "1 / 1",
    ),
}

Row = tuple[str, str, str, str, str]  # figure, measured, target, met?, how measured


def _f(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


# ----------------------------------------------------------------------------- figures


def rows_first_visits(doc: dict) -> list[Row]:
    out = []
    pools = doc.get("pool_sizes", {})
    for r in doc["rows"]:
        pool = f", pool {pools.get(str(r['N']))} for lesson 03" if r["config"] == "course" else ""
        how = (
            "N anonymous GETs of lesson 03 released at once; time to the last byte of the page "
            f"(all cells run), fresh server per run{pool}"
            + (
                " (course server)"
                if r["config"] == "course"
                else " (plain Voila, a kernel per visit)"
            )
        )
        skipped = f"; {r['skipped_runs']} run(s) skipped (memory)" if r.get("skipped_runs") else ""
        out.append(
            (
                f"{r['N']} simultaneous first visits, {r['config']}",
                f"p50 {_f(r['p50_s'])} s, p95 {_f(r['p95_s'])} s, {r['failures']} failed over "
                f"{r['repeats']} run(s){skipped}",
                *_first_visit_target(r),
                how,
            )
        )
    for n, s in doc.get("speedup_p95_plain_over_course", {}).items():
        out.append(
            (
                f"{n} simultaneous first visits, speed-up",
                "-" if s is None else f"{s:.1f}x",
                ">= 15x" if str(n) == "30" else "-",
                _met(None if s is None or str(n) != "30" else s >= 15),
                "plain p95 / course p95, same run",
            )
        )
    return out


def _first_visit_target(r: dict) -> tuple[str, str]:
    """The issue's targets for the course server: N=30 p95 <= 1 s; N=60 all served, p95 <= 5 s."""
    if r["config"] != "course" or r["N"] not in (30, 60) or r["p95_s"] is None:
        return "-", "-"
    limit = 1.0 if r["N"] == 30 else 5.0
    return f"p95 <= {limit:.0f} s, none failed", _met(r["p95_s"] <= limit and r["failures"] == 0)


def rows_browser_widgets(doc: dict) -> list[Row]:
    out = []
    for r in doc["first_usable"]:
        kind = "returning learner" if r["mode"] == "returning" else "anonymous first page"
        ok = None if r["median_s"] is None else (r["median_s"] <= 1.5 and r["failures"] == 0)
        note = (f", {r['failures']} failed" if r["failures"] else "") + (
            f", {r['refill_overlaps']} with a refill running" if r["refill_overlaps"] else ""
        )
        out.append(
            (
                f"first usable widget, lesson {r['lesson']} ({kind})",
                f"median {_f(r['median_s'])} s, p95 {_f(r['p95_s'])} s "
                f"({r['visits_ok']} visits{note})",
                "median <= 1.5 s",
                _met(ok),
                "Chromium, new context per visit, pools warm: navigation start -> first enabled "
                + (
                    "control of the lesson's first activity (work loaded)"
                    if r["mode"] == "returning"
                    else "'Start the course' button"
                )
                + ", MutationObserver in the page",
            )
        )
    for r in doc["round_trip"]:
        what = (
            "capacity answer -> model and profile redrawn"
            if r["lesson"] == "03"
            else "health answer -> diagnosis redrawn"
        )
        ok = None if r["p95_ms"] is None else (r["p95_ms"] <= 150 and not r["error"])
        out.append(
            (
                f"widget round trip, lesson {r['lesson']}",
                f"p95 {_f(r['p95_ms'], 0)} ms, p50 {_f(r['p50_ms'], 0)} ms ({r['changes']} changes)"
                + (f"; ERROR {r['error']}" if r["error"] else ""),
                "p95 <= 150 ms",
                _met(ok),
                f"Chromium: {what}; click's input event -> pictures in the DOM are the new ones "
                "(MutationObserver)",
            )
        )
    return out


def rows_memory(doc: dict) -> list[Row]:
    out = []
    for r in doc["rows"]:
        pss = r.get("pss_mb")
        size = pss if pss is not None else r["rss_mb"]
        idle = r["state"].startswith("idle")
        how = (
            "server + all its descendants summed (psutil), once idle (CPU quiet, count stable)"
            if idle or "culled" in r["state"]
            else f"server + all its descendants summed (psutil), sampled every "
            f"{doc.get('poll_s', 15):.0f} s after the visits"
        )
        out.append(
            (
                f"memory, {r['state']}",
                f"PSS {_f(pss / 1024 if pss is not None else None)} GB, "
                f"RSS {_f(r['rss_mb'] / 1024)} GB, "
                f"{r['kernels']} kernels",
                "<= 3 GB" if idle else "-",
                _met(size <= 3 * 1024) if idle else "-",
                how,
            )
        )
    cull = doc.get("cull") or {}
    if cull:
        ok = (
            cull["complete"]
            and cull["culled"] == cull["visited"]
            and cull["max_s"] is not None
            and cull["max_s"] <= 600
        )
        out.append(
            (
                "abandoned kernels culled",
                f"slowest {_f(cull['max_s'], 0)} s, median {_f(cull['median_s'], 0)} s "
                f"({cull['culled']} of {cull['visited']} kernels)",
                "<= 600 s",
                _met(ok),
                f"{cull['visited']} visitors open {doc.get('teaching', '')} in Chromium and "
                "close the tab; until the kernel process is gone (checked every 1 s); "
                f"cull idle {cull['cull_idle_s']} s",
            )
        )
    return out


def rows_store_writes(doc: dict) -> list[Row]:
    out = []
    for r in doc["rows"]:
        out.append(
            (
                f"store writes, {r['writers']} writers, {r['database']}",
                f"{_f(r['writes_per_s'], 0)} writes/s, "
                f"p50 {_f(r['p50_ms'])} ms, p95 {_f(r['p95_ms'])} ms; "
                f"{r['failed']} failed, {r['lost']} lost",
                "nothing lost",
                _met(r["failed"] == 0 and r["lost"] == 0 and not r["problems"]),
                f"{r['writers']} processes x {r['saves']} Store.save, released together; "
                "all read back afterwards",
            )
        )
    return out


def rows_network_scale(doc: dict) -> list[Row]:
    return [
        (
            f"{r['work']} a network of {r['schools']:,} schools"
            + (" (in the kernel)" if r["work"] == "draw" else ""),
            f"median {r['median_ms']:.0f} ms, max {r['max_ms']:.0f} ms ({r['links']:,} links)",
            *(
                ("<= 100 ms", _met(r["median_ms"] <= 100))
                if (r["work"], r["schools"]) == ("diagnose", 1000)
                else ("-", "-")
            ),
            f"in one process, {doc['repeats']} run(s); generated network, 3 links per school; "
            "draw = the drawing page built, the browser's layout not included",
        )
        for r in doc["rows"]
    ]


def rows_dashboard(doc: dict) -> list[Row]:
    total = doc["stages"]["total"]
    return [
        (
            f"dashboard with {doc['participants']} participants",
            f"median {total['median_s']:.2f} s, max {total['max_s']:.2f} s",
            *(("<= 3 s", _met(total["max_s"] <= 3)) if doc["participants"] >= 500 else ("-", "-")),
            f"Dashboard.finish(key) in one process ({doc['database']}, "
            f"{doc['repeats']} run(s)): load, "
            "diagnoses, HTML, merged network; browser time not included",
        )
    ]


def rows_revision_bytes(doc: dict) -> list[Row]:
    return [
        (
            f"bytes one network edit adds, {r['schools']:,} schools, {r['database']}",
            f"{_f(r['one_edit_bytes'] / 1000)} KB (full copy {_f(r['full_bytes'] / 1000, 1)} KB; "
            f"mean over {len(r['edit_bytes'])} edits {_f(sum(r['edit_bytes']) / len(r['edit_bytes']) / 1000)} KB)",
            "kilobytes, not the network",
            _met(r["one_edit_bytes"] < 10_000),
            "median revision text of one edit (rename a school or add a link), saved as lesson 04 "
            "saves; the mean includes the full copy kept every 50th revision",
        )
        for r in doc["rows"]
    ]


def rows_snapshot_compare(doc: dict) -> list[Row]:
    return [
        (
            f"snapshots of {doc['schools']:,} schools: {r['stage']}",
            f"median {r['median_ms']:.0f} ms, max {r['max_ms']:.0f} ms",
            "-",
            "-",
            f"in one process, fresh SQLite store, {doc['repeats']} run(s); generated network and a "
            "changed copy (2% of schools gone and joined, 5% of links lost, strengthened, weakened)"
            + ("" if doc.get("drawn", True) else "; the picture was not drawn"),
        )
        for r in doc["rows"]
    ]


def rows_map_layout(doc: dict) -> list[Row]:
    out: list[Row] = []
    for r in doc["rows"]:
        for stage, figures in r["stages"].items():
            first = stage == "place"
            out.append(
                (
                    f"saved layout of {r['schools']:,} schools: {stage}",
                    f"median {figures['median_ms']:.0f} ms, max {figures['max_ms']:.0f} ms"
                    + (f"; {r['overlapping_pairs']} overlapping names" if first else ""),
                    "<= 2 s, no overlaps" if first and r["schools"] <= 1000 else "-",
                    _met(figures["max_ms"] <= 2000 and r["overlapping_pairs"] == 0)
                    if first and r["schools"] <= 1000
                    else "-",
                    f"in one process, {doc['repeats']} run(s); generated network, 3 links per "
                    "school; place = layout.placed on a fresh network, save/read back = a fresh "
                    "SQLite store, drawing = drawing.network_page, picture = network_svg",
                )
            )
    return out


def rows_class_load(doc: dict) -> list[Row]:
    """Issue 18's figures: memory per kernel and in all, ready for the class, pages, round trips,
    failures and kernel starts."""
    out: list[Row] = []
    for r in doc["rows"]:
        m, n, forked = r["memory"], r["learners"], r["config"] == "forked"
        how = (
            f"{n} simulated learners open lesson 03 within the spread over HTTP and the kernel "
            f"websocket, then change a control (a save) every few seconds; config {r['config']}"
        )
        per, total = m.get("per_kernel_pss_mb"), m.get("total_pss_mb")
        ready = (r.get("ready") or {}).get("start_to_warm_s")
        trip, page = r.get("trip_p95_ms"), r.get("page_p95_s")

        def target(text: str, ok: bool | None, applies: bool = True) -> tuple[str, str]:
            return (text, _met(ok)) if forked and applies else ("-", "-")

        out += [
            (
                f"memory per open lesson kernel (PSS), {r['config']}",
                f"{_f(per, 1)} MB",
                *target("<= 35 MB", None if per is None else per <= 35),
                how,
            ),
            (
                f"memory with {n} learners' kernels open (PSS), {r['config']}",
                f"{_f(None if total is None else total / 1024, 2)} GB",
                *target("<= 8 GB", None if total is None else total <= 8 * 1024, n >= 200),
                how + "; the server and every process it started",
            ),
            (
                f"server ready for a class of {n} after start, {r['config']}",
                f"{_f(ready, 1)} s",
                *target("<= 30 s", None if ready is None else ready <= 30, n <= 30),
                "start to the log's 'all N pre-heated kernels are warm'",
            ),
            (
                f"{n} learners opening lesson 03 within 10 s, {r['config']}",
                f"page p95 {_f(page)} s, p50 {_f(r.get('page_p50_s'))} s, {r['failed']} failed",
                *target(
                    "p95 <= 2 s, none failed",
                    None if page is None else page <= 2 and r["failed"] == 0,
                    n >= 200,
                ),
                how + "; the page's last byte",
            ),
            (
                f"widget round trip with a save, {n} learners, {r['config']}",
                f"p95 {_f(trip, 0)} ms, p50 {_f(r.get('trip_p50_ms'), 0)} ms",
                *target("<= 150 ms", None if trip is None else trip <= 150),
                how + "; change sent -> the kernel's idle for it",
            ),
        ]
        working = r.get("working_trip_p95_ms")
        if working is not None:
            out.append(
                (
                    f"the same, saves begun once all {n} had their page, {r['config']}",
                    f"p95 {_f(working, 0)} ms, p50 {_f(r.get('working_trip_p50_ms'), 0)} ms "
                    f"({r.get('working_trips')} saves)",
                    *target("<= 150 ms", working <= 150),
                    how + "; only the saves started after the last learner's controls loaded",
                )
            )
        cost = r.get("arrival_cpu")
        if cost:
            out.append(
                (
                    f"processor time per arriving learner, {n} learners, {r['config']}",
                    f"{_f(r.get('arrival_cpu_per_learner_s'), 3)} s (server {_f(cost['server'])} s "
                    f"+ kernels {_f(cost['kernels'])} s in {_f(cost['seconds'])} s; "
                    f"load generator {_f(cost.get('generator'))} s)",
                    "-",
                    "-",
                    "CPU seconds from the first request until every learner had their controls",
                )
            )
    for name, values in doc.get("kernel_starts", {}).items():
        if values:
            med = sorted(values)[len(values) // 2]
            out.append(
                (
                    f"kernel start, {name}",
                    f"median {_f(med)} s over {len(values)}",
                    "<= 0.2 s" if name == "forked" else "-",
                    _met(None if name != "forked" else med <= 0.2),
                    "jupyter_client start_kernel, then kernel_info asked every 20 ms until it "
                    "answers and iopub speaks; one after another",
                )
            )
    return out


def rows_reloads(doc: dict) -> list[Row]:
    """Issue 13: first visit, reload, Back and a new tab, the course beside plain Voila."""
    out: list[Row] = []
    steps = {"first": "first visit", "reload": "reload", "back": "Back", "again": "new tab"}
    for config in ("default", "plain"):
        rows = [r for r in doc["rows"] if r.get("config") == config]
        if not rows:
            continue
        server = "course" if config == "default" else "plain Voila"
        for step, words in steps.items():
            values = sorted(r[step] for r in rows if step in r)
            failed = sum(1 for r in rows if step not in r)
            med = statistics.median(values) if values else None
            applies = config == "default" and step != "first"
            out.append(
                (
                    f"{words}, lesson {doc.get('lessons')}, {server}",
                    f"median {_f(med)} s, max {_f(values[-1] if values else None)} s"
                    + (f", {failed} failed" if failed else ""),
                    "median <= 1.5 s" if applies else "-",
                    _met(None if not applies or med is None else med <= 1.5 and not failed),
                    "Chromium, one person: navigation start -> first usable control of the "
                    "lesson's first activity (work loaded)",
                )
            )
    return out


def rows_hub_wait(doc: dict) -> list[Row]:
    """Issue 18: how long a JupyterHub participant waits for their server and page."""
    out: list[Row] = []
    for run in doc["runs"]:
        n, s = run["participants"], run["summary"]
        failed = sum(1 for r in run["rows"] if r.get("error"))
        out.append(
            (
                f"JupyterHub, {n} participant(s) logging in at once",
                f"server p95 {_f(s['server_s']['p95'])} s; login to lesson 00 p95 "
                f"{_f(s['home_s']['p95'])} s; lesson 03 p95 {_f(s['lesson_03_s']['p95'])} s; "
                f"{_f(run['per_participant_pss_mb'], 0)} MB each; {failed} failed",
                "-",
                "-",
                "real hub (deploy/ config), HTTP as a browser: login form to each page's last byte",
            )
        )
    return out


FIGURES: dict[str, Callable[[dict], list[Row]]] = {
    "class_load": rows_class_load,
    "class_200": rows_class_load,
    "reloads": rows_reloads,
    "hub_wait": rows_hub_wait,
    "first_visits": rows_first_visits,
    "browser_widgets": rows_browser_widgets,
    "memory": rows_memory,
    "store_writes": rows_store_writes,
    "network_scale": rows_network_scale,
    "dashboard": rows_dashboard,
    "revision_bytes": rows_revision_bytes,
    "snapshot_compare": rows_snapshot_compare,
    "map_layout": rows_map_layout,
}


# ----------------------------------------------------------------------------- running


def newest(name: str, since: float = 0.0) -> Path | None:
    files = [p for p in RESULTS.glob(f"{name}-*.json") if p.stat().st_mtime >= since]
    return max(files, key=lambda p: p.stat().st_mtime) if files else None


def run(name: str, quick: bool) -> dict[str, Any]:
    script, quick_args, full_args, _minutes = BENCHMARKS[name]
    cmd = [sys.executable, str(BENCH / script), *(quick_args if quick else full_args)]
    print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
    t0, since = time.monotonic(), time.time() - 1
    code = subprocess.call(cmd, cwd=REPO)
    found = newest(name, since)
    return {
        "name": name,
        "command": " ".join(["python", *cmd[1:]]),
        "exit_code": code,
        "minutes": round((time.monotonic() - t0) / 60, 1),
        "json": str(found.relative_to(REPO)) if found else None,
    }


def render(rows: list[Row], width: int | None = None) -> str:
    """The rows as a text table as wide as the terminal (at least 120 columns)."""
    width = width or max(120, shutil.get_terminal_size((150, 40)).columns)
    head = ("figure", "measured", "target", "met?", "how measured")
    limits = [44, 50, 15, 4]
    widths = [
        min(limit, max([len(head[i]), *(len(r[i]) for r in rows)]))
        for i, limit in enumerate(limits)
    ]
    how_width = max(30, width - sum(widths) - 2 * len(widths))
    lines = []

    def emit(cells: tuple[str, ...]) -> None:
        wrapped = [
            textwrap.wrap(c, w) or [""] for c, w in zip(cells, [*widths, how_width], strict=False)
        ]
        for k in range(max(len(w) for w in wrapped)):
            lines.append(
                "  ".join(
                    (w[k] if k < len(w) else "").ljust(size)
                    for w, size in zip(wrapped, [*widths, how_width], strict=False)
                ).rstrip()
            )

    emit(head)
    lines.append("  ".join("-" * w for w in [*widths, how_width]))
    previous = ""
    for r in rows:
        emit((*r[:4], "as above" if r[4] == previous and r[4] != "-" else r[4]))
        previous = r[4]
    return "\n".join(lines)


def recorded_load(name: str, doc: dict) -> float | None:
    """The highest 1-minute load average a benchmark recorded during its runs."""
    loads: list = {
        "first_visits": [r.get("loadavg_before") for r in doc.get("runs", [])],
        "browser_widgets": [v.get("loadavg_before_round") for v in doc.get("visits", [])]
        + [t.get("loadavg") for t in doc.get("trips", [])],
        "memory": [r.get("loadavg") for r in doc.get("rows", [])],
        "store_writes": [r.get("loadavg_before") for r in doc.get("runs", [])],
        "network_scale": [doc.get("loadavg")],
        "dashboard": [doc.get("loadavg")],
        "snapshot_compare": [doc.get("loadavg")],
        "map_layout": [doc.get("loadavg")],
        "class_load": [doc.get("loadavg")],
        "class_200": [doc.get("loadavg")],
        "reloads": [doc.get("loadavg")],
        "hub_wait": [r.get("loadavg_before") for r in doc.get("runs", [])],
    }.get(name, [])
    firsts = [x[0] for x in loads if x]
    return max(firsts) if firsts else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller runs (see BENCHMARKS in this file)"
    )
    parser.add_argument(
        "--report", action="store_true", help="run nothing: the table from the newest results"
    )
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of {','.join(BENCHMARKS)}"
    )
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    names = [n for n in names if n not in {s.strip() for s in args.skip.split(",")}]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    started = dt.datetime.now()
    t0 = time.monotonic()
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    if not args.report:
        print(
            f"{'quick' if args.quick else 'full'} run of {', '.join(names)}; "
            "approximate minutes on "
            "2 cores (quick / full): " + ", ".join(f"{n} {BENCHMARKS[n][3]}" for n in names),
            flush=True,
        )
    runs = []
    for name in names:
        if args.report:
            found = newest(name)
            runs.append(
                {
                    "name": name,
                    "exit_code": None,
                    "json": str(found.relative_to(REPO)) if found else None,
                }
            )
        else:
            runs.append(run(name, args.quick))
    rows: list[Row] = []
    for r in runs:
        if r["json"] is None:
            rows.append(
                (
                    r["name"],
                    f"no results (exit code {r['exit_code']})",
                    "-",
                    "NO" if not args.report else "-",
                    "see its output above",
                )
            )
            continue
        try:
            doc = json.loads((REPO / r["json"]).read_text(encoding="utf-8"))
            r["highest_loadavg"] = recorded_load(r["name"], doc)
            rows += FIGURES[r["name"]](doc)
        except (KeyError, TypeError, ValueError) as exc:
            rows.append((r["name"], f"unreadable results {r['json']}: {exc!r}", "-", "-", "-"))
        if r["exit_code"] not in (0, None):
            rows.append(
                (r["name"], f"exited with code {r['exit_code']}", "-", "NO", "see its output above")
            )
    text = render(rows)
    print("\n" + text)
    print("\nresults: " + ", ".join(r["json"] or f"{r['name']} (none)" for r in runs))
    load_now = [round(x, 2) for x in os.getloadavg()]
    recorded = {r["name"]: r.get("highest_loadavg") for r in runs if r.get("highest_loadavg")}
    print(
        "highest 1-min load average recorded before the runs: "
        + (", ".join(f"{k} {v:.1f}" for k, v in recorded.items()) or "-")
        + f" ({os.cpu_count()} CPUs)"
    )
    if not args.report:
        print(
            f"load average before {loadavg_before}, after {load_now}; "
            f"total {(time.monotonic() - t0) / 60:.1f} min"
        )
    if any(v > (os.cpu_count() or 1) for v in recorded.values()):
        print(
            "WARNING: the machine was busy: the timings mean little; run again on a quiet machine."
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"run_all-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "run_all",
                "started": started.isoformat(timespec="seconds"),
                "quick": args.quick,
                "report_only": args.report,
                "runs": runs,
                "loadavg_before": loadavg_before,
                "loadavg_after": load_now,
                "rows": [
                    dict(zip(("figure", "measured", "target", "met", "how"), r, strict=True))
                    for r in rows
                ],
                "table": text,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"table: {out.relative_to(REPO)}")
    return 0 if all(r["exit_code"] in (0, None) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
