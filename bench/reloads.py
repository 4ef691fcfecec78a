"""Benchmark: first visit, reload, Back and a second visit, course beside plain Voila (issue 13).

Run from the repository root::

    .venv/bin/python bench/reloads.py [--rounds 5] [--lessons 02,03] [--returning-browser]

Two servers, one after the other, each with its own throw-away SQLite database: the course as
``make serve`` starts it (default pools and refill, ``config=default``) and plain Voila
(``--plain``: no pre-heating, Voila's own template). For each lesson and round, one browser
context (one person; a new empty browser profile, or with ``--returning-browser`` one profile that
has visited the course before, as a learner's own browser has) does, as a person does:

1. **first** visit: opens the lesson (a returning learner, ``?learner=CODE``);
2. **reload**: presses reload (F5) at once after the page is usable;
3. **back**: follows the *Next* link, then goes Back;
4. **again**: opens the lesson once more in a new tab, within 20 s of the first visit.

Each figure is the time from the navigation's start to the first usable control (an enabled,
visible control in the lesson's first activity with controls, seen by a MutationObserver; the
same probe as ``browser_widgets.py``). Between rounds it waits for the server to be idle, so each
round starts from warm pools, as a person arriving at a quiet server would. Prints one table
(median and max per step) and writes ``bench/results/reloads-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from browser_widgets import READY_PROBE, activity_count, new_learner  # noqa: E402
from first_visits import RESULTS_DIR, Server, fmt, lesson_names, render_table, stop_all_servers  # noqa: E402

from tests.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from widgets_lib import lessons  # noqa: E402
from widgets_lib.store import Store  # noqa: E402

STEPS = ("first", "reload", "back", "again")


def usable_after(page, timeout_ms: float) -> float:
    """Seconds from this navigation's start to the first usable control."""
    page.wait_for_function(
        "() => window.__bench && window.__bench.usable !== null", timeout=timeout_ms, polling=50
    )
    return round(page.evaluate("() => window.__bench.usable") / 1000, 3)


def one_round(
    browser, server: Server, info: lessons.LessonInfo, code: str, timeout: float, profile=None
) -> dict:
    """One person's round. ``profile``: a persistent browser context that has been to the course
    before (its caches warm, as a returning learner's browser is); its tabs are closed afterwards,
    the context kept. Without it, a new empty context (a browser that has never seen the course)."""
    url = f"{server.base_url}/voila/render/{info.file}?learner={code}"
    probe = READY_PROBE % {"mode": json.dumps("returning"), "expected": activity_count(info)}
    if profile is None:
        context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        context.add_init_script(probe)
        new_page = context.new_page
    else:
        context = profile

        def new_page():
            tab = context.new_page()
            tab.add_init_script(probe)
            return tab

    ms = timeout * 1000
    out: dict = {"lesson": info.id}
    try:
        page = new_page()
        started = time.monotonic()
        page.goto(url, wait_until="commit", timeout=ms)
        out["first"] = usable_after(page, ms)
        page.reload(wait_until="commit", timeout=ms)
        out["reload"] = usable_after(page, ms)
        nxt = page.locator("a[rel=next]").first
        nxt.wait_for(timeout=ms)
        page.goto(nxt.evaluate("(a) => a.href"), wait_until="commit", timeout=ms)
        page.wait_for_function("() => window.__bench && window.__bench.usable !== null", timeout=ms)
        page.go_back(wait_until="commit", timeout=ms)
        out["back"] = usable_after(page, ms)
        second = new_page()
        second.goto(url, wait_until="commit", timeout=ms)
        out["again"] = usable_after(second, ms)
        out["again_within_s"] = round(time.monotonic() - started, 1)
    except Exception as exc:  # noqa: BLE001 - recorded
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        if profile is None:
            context.close()
        else:
            for tab in list(context.pages):
                tab.close()
    return out


def run(config: str, args, chosen: list[lessons.LessonInfo], tmp: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    folder = tmp / config
    folder.mkdir()
    server = Server(config=config, pool_size=None, tmpdir=folder)
    server.start()
    rows: list[dict] = []
    try:
        ready = server.wait_ready(timeout=600, lessons=lesson_names())
        print(f"{config}: ready after {ready['ready_s']} s", flush=True)
        store = Store(f"sqlite:///{folder / 'bench.db'}")
        with sync_playwright() as p:
            browser = profile = None
            if args.returning_browser:
                profile = p.chromium.launch_persistent_context(
                    str(folder / "profile"),
                    executable_path=CHROMIUM,
                    args=CHROMIUM_ARGS,
                    viewport={"width": 1280, "height": 900},
                )
                for info in chosen:  # the browser has been to the course before: not measured
                    one_round(None, server, info, new_learner(store), args.timeout, profile)
                server.wait_idle(max_wait=args.settle)
            else:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for r in range(args.rounds):
                for info in chosen:
                    row = one_round(
                        browser, server, info, new_learner(store), args.timeout, profile
                    )
                    row.update(config=config, round=r)
                    rows.append(row)
                    print(
                        f"  {config} {info.id} round {r}: "
                        + ", ".join(f"{k} {row.get(k)}" for k in (*STEPS, "error") if k in row),
                        flush=True,
                    )
                    idle = server.wait_idle(max_wait=args.settle)
                    row["idle_wait_s"] = idle
            (profile or browser).close()
        store.dispose()
    finally:
        stop_all_servers()
    return rows


def table(rows: list[dict]) -> str:
    body = []
    for config in ("default", "plain"):
        for step in STEPS:
            values = [r[step] for r in rows if r["config"] == config and step in r]
            failed = sum(1 for r in rows if r["config"] == config and step not in r)
            body.append(
                [
                    f"{'course' if config == 'default' else 'plain Voila'}",
                    step,
                    str(len(values)),
                    fmt(statistics.median(values)) if values else "–",
                    fmt(max(values)) if values else "–",
                    str(failed),
                ]
            )
    return "\n".join(
        render_table(["server", "step", "n", "median s", "max s", "failed"], body, left=2)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lessons", default="02,03")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument(
        "--settle",
        type=float,
        default=60,
        help="at most this long to wait for an idle server between rounds",
    )
    parser.add_argument("--configs", default="default,plain")
    parser.add_argument(
        "--returning-browser",
        action="store_true",
        help="one browser profile that has been to the course before (warm caches), "
        "as a learner's own browser is, instead of a new empty one per round",
    )
    args = parser.parse_args(argv)
    chosen = [lessons.by_id(x.strip().zfill(2)) for x in args.lessons.split(",")]
    rows: list[dict] = []
    load = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-reloads-") as tmp:
        for config in args.configs.split(","):
            rows += run(config, args, chosen, Path(tmp))
    print()
    print(table(rows))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"reloads-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "rounds": args.rounds,
                "lessons": args.lessons,
                "returning_browser": args.returning_browser,
                "loadavg": load,
                "rows": rows,
            },
            indent=1,
        )
    )
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
