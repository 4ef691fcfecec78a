"""Benchmark: time to the first usable widget of every lesson, and the widget round trip.

Run from the repository root::

    .venv/bin/python bench/browser_widgets.py [--repeats 5] [--changes 30]

A course server is started as ``make serve`` starts it (one pre-heated kernel per lesson) on a
free localhost port with a throw-away SQLite database, and Debian's Chromium is driven by
Playwright. Two figures:

* **first usable widget**, per lesson and per kind of visit: a new browser context opens the
  lesson; the time runs from the navigation start (``performance.now()`` in the page, whose
  origin is the navigation start) to the moment a MutationObserver in the page first sees a
  control that accepts input. A *returning* learner (a code created beforehand in the store,
  ``?learner=CODE`` in the address) needs an enabled, visible control in the page's first
  activity that has controls (enabled only once their work is loaded); an *anonymous* first
  visit needs the "Start the course" button.
* **widget round trip**: on lesson 03 (a complete self-assessment: changing one answer redraws
  the capacity model and the profile) and lesson 05 (a network and a complete health check:
  changing one answer redraws the diagnosis), the time from the click's input event
  (``event.timeStamp``) to the moment the pictures in the page are the new ones, seen by a
  MutationObserver, over ``--changes`` changes that alternate between two answers.

The pools refill ``--refill-delay`` seconds after a kernel is taken (the course's default is
20 s): the visits run in rounds, one visit per lesson each, so no refill starts during a round,
and between rounds the benchmark waits until every taken kernel is replaced and the server is
idle. A visit during which a new kernel process appeared is flagged in the JSON and the table.

Prints one table and writes the data, with every visit, to
``bench/results/browser_widgets-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from first_visits import (
    REPO,
    RESULTS_DIR,
    Server,
    StartError,
    fmt,
    is_kernel,  # noqa: E402
    percentile,
    render_table,
    stop_all_servers,
)

from widgets_lib import capacity, classify, health, identity, lessons, network_io  # noqa: E402
from widgets_lib.html.capacity_figure import model_svg, profile_svg  # noqa: E402
from widgets_lib.html.diagnosis import diagnosis_html  # noqa: E402
from widgets_lib.paths import course_dir, data_dir  # noqa: E402
from widgets_lib.record import HEALTH_ACTIVITY, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value  # noqa: E402
from widgets_lib.server.serve import FRIENDLY_CELL_ERROR  # noqa: E402
from widgets_lib.store import Store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# As the browser tests (DESIGN.md); the host resolver rule makes every other host unreachable
# without intercepting requests (interception would slow every request down).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
MODES = ("returning", "anonymous")
EXAMPLE_NETWORK = "meaningful_brambleford"

COLUMNS = {
    "lesson": "the lesson page, /voila/render/<file>, one pre-heated kernel per lesson (the "
    "course's default pools).",
    "kind": "returning = a learner code created beforehand in the store, in the address "
    "(?learner=CODE), a new code per visit; anonymous = no code, no cookies.",
    "visits": "successful visits (one per round, each in a new browser context).",
    "median s / p95 s": "median / 95th percentile (linear interpolation) of the time from the "
    "navigation start to the first usable widget, measured in the page "
    "(performance.now()): returning = the first moment an enabled, visible "
    "button/input/select/textarea is in the page's first activity that has "
    "controls (they are enabled once the learner's work is loaded), with every "
    "activity of the lesson on the page; anonymous = the first moment the "
    'enabled "Start the course" button is visible. Seen by a MutationObserver '
    "(and a check every animation frame) started before the page's own scripts.",
    "html s": "median time from the navigation start to the end of the page's HTML "
    "(Navigation Timing responseEnd): Voila streams the page and ends it when the "
    "pre-heated kernel has finished.",
    "fail": "visits that failed: no usable widget within the timeout, a page holding a cell "
    "error, the learner's code not shown (returning), or a request to another host.",
    "refill": "visits during which a new kernel process appeared in the server's tree (a "
    "refill or a kernel started for the visitor), so the figure includes competition "
    "for the CPU; 0 expected.",
    "round trip": "lesson 03: one capacity answer changed (a complete self-assessment saved "
    "beforehand) -> the capacity model and the profile redrawn; lesson 05: one "
    "health-check answer changed (a network and a complete health check saved "
    "beforehand) -> the diagnosis (verdict, profile bars, reasons) redrawn. From the "
    "click's input event (event.timeStamp) to the moment a MutationObserver sees "
    "the page's pictures equal to those of the new answer (learned in two warm-up "
    "changes), i.e. kernel callback, save to the store, new picture sent and "
    "rendered. Changes alternate between two answers, one at a time, each after the "
    "previous one is saved; p50 / p95 / max over the changes.",
}

# Runs in every page before the page's own scripts: records when the first usable widget appears.
READY_PROBE = """
(() => {
  const MODE = %(mode)s, EXPECTED = %(expected)d;
  const CONTROLS = 'button, input, select, textarea';
  const ENABLED = ':is(button, input, select, textarea):not([disabled])';
  const b = window.__bench = {usable: null, firstActivity: null};
  const visible = el => el.getClientRects().length > 0;
  function check() {
    if (b.usable !== null) return;
    let ok = false;
    const acts = [...document.querySelectorAll('.course-activity')];
    if (acts.length && b.firstActivity === null) b.firstActivity = performance.now();
    if (MODE === 'anonymous') {
      ok = [...document.querySelectorAll('.course-identity button:not([disabled])')]
        .some(el => visible(el) && /Start the course/.test(el.textContent));
    } else {
      if (acts.length >= EXPECTED) {
        const first = acts.find(a => a.querySelector(CONTROLS));
        ok = !!first && [...first.querySelectorAll(ENABLED)].some(visible);
      }
    }
    if (ok) { b.usable = performance.now(); observer.disconnect(); }
  }
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, attributes: true});
  const frame = () => { check(); if (b.usable === null) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})();
"""

# A cell failed: Voila shows the course's friendly message (or an error output) instead of it.
CELL_ERROR = (
    f"() => document.body.textContent.includes({json.dumps(FRIENDLY_CELL_ERROR[:40])}) || "
    "!!document.querySelector('[data-mime-type=\"application/vnd.jupyter.stderr\"]')"
)

# The pictures of a lesson, as one string: equal strings = the same pictures on the page.
PICTURES = {
    "03": "() => [...document.querySelectorAll('.course-result svg')]"
    ".map(s => s.outerHTML).join('|')",
    "05": "() => { const r = document.querySelector('.course-reading'); "
    "return r ? r.outerHTML : ''; }",
}

# Arms a MutationObserver that records when the pictures equal ``target``, and the click's time.
ARM = """
([picturesSrc, target]) => {
  const pictures = eval(picturesSrc);
  const rt = window.__rt = {input: null, firstChange: null, done: null, before: pictures()};
  const onInput = ev => { if (rt.input === null) rt.input = ev.timeStamp; };
  document.addEventListener('pointerdown', onInput, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (rt.firstChange === null) rt.firstChange = performance.now();
    if (pictures() === target) { rt.done = performance.now(); observer.disconnect(); }
  });
  observer.observe(document.getElementById('rendered_cells') || document.body,
                   {subtree: true, childList: true, attributes: true, characterData: true});
  return rt.before.length;
}
"""


# ----------------------------------------------------------------------------- store set-up


def activity_count(info: lessons.LessonInfo) -> int:
    """How many activities the lesson's notebook puts on the page (``lesson.activity(`` calls)."""
    nb = json.loads((course_dir() / info.file).read_text(encoding="utf-8"))
    return sum(
        "".join(c["source"]).count("lesson.activity(")
        for c in nb["cells"]
        if c["cell_type"] == "code"
    )


def new_learner(store: Store) -> str:
    code = identity.new_code()
    store.ensure_learner(identity.code_key(code), "code")
    return code


def capacity_learner(store: Store) -> tuple[str, int, tuple[int, int]]:
    """A learner with a complete self-assessment, and (item index, (value A, value B)) whose
    change redraws the model: answers all at the middle, one item toggled low/high."""
    bank = capacity.load_bank()
    low, high = bank.scale[0][0], bank.scale[-1][0]
    base = {item.id: low for item in bank.items}

    def pictures(answers: dict[str, int]) -> str:
        result = capacity.assess(bank, answers)
        return model_svg(bank, result.scores, result.start_with, result.growth_state) + profile_svg(
            bank, result.scores, None
        )

    index = next(
        i
        for i, item in enumerate(bank.items)
        if pictures(base) != pictures({**base, item.id: high})
    )
    code = new_learner(store)
    key = identity.code_key(code)
    store.save(
        key, capacity.ACTIVITY, "attempts", [{"n": 1, "started": "2026-11-22T10:00:00+00:00"}]
    )
    for item in bank.items:
        store.save(key, capacity.ACTIVITY, capacity.answer_key(1, item.id), base[item.id])
    return code, index, (low, high)


def diagnosis_learner(store: Store) -> tuple[str, int, tuple[int, int]]:
    """A learner with an invented example network and a complete health check, and the item
    whose change (lowest/highest answer) changes the diagnosis shown."""
    folder = data_dir() / "networks" / EXAMPLE_NETWORK
    network = network_io.read_network(
        (folder / "schools.csv").read_bytes(), (folder / "links.csv").read_bytes()
    )
    questionnaire = health.load_items()
    low, high = questionnaire.scale[0][0], questionnaire.scale[-1][0]
    base = {item.id: low for item in questionnaire.items}

    def shown(items: dict[str, int]) -> str:
        return diagnosis_html(classify.diagnose(network, items=items), "Diagnosis")

    index = next(
        i
        for i, item in enumerate(questionnaire.items)
        if shown(base) != shown({**base, item.id: high})
    )
    code = new_learner(store)
    key = identity.code_key(code)
    store.save(key, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    for item in questionnaire.items:
        store.save(key, HEALTH_ACTIVITY, item.id, base[item.id])
    return code, index, (low, high)


# ----------------------------------------------------------------------------- server state


def kernel_pids(server: Server) -> set[int]:
    return {p.pid for p in server.tree() if is_kernel(p)}


def wait_for_refills(server: Server, since: set[int], taken: int, timeout: float) -> dict:
    """Wait until ``taken`` kernel processes not in ``since`` have appeared (the refills of the
    kernels visitors took), then until the server is idle."""
    t0 = time.monotonic()
    new: set[int] = set()
    while time.monotonic() - t0 < timeout:
        new = kernel_pids(server) - since
        if len(new) >= taken:
            break
        time.sleep(1)
    refilled = len(new) >= taken
    idle = server.wait_idle(max_wait=max(30.0, timeout - (time.monotonic() - t0)))
    return {
        "refilled": refilled,
        "new_kernels": len(new),
        "waited_s": round(time.monotonic() - t0, 1),
        "idle_wait_s": idle,
    }


# ----------------------------------------------------------------------------- visits


def new_context(browser, base: str) -> tuple[Any, list[str]]:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    offsite: list[str] = []

    def on_request(request) -> None:
        if not request.url.startswith((base, "data:", "blob:", "about:")):
            offsite.append(request.url)

    context.on("request", on_request)
    return context, offsite


def first_usable(
    browser, server: Server, info: lessons.LessonInfo, mode: str, code: str | None, timeout: float
) -> dict:
    """One visit: open the lesson in a new context, time the first usable widget."""
    rec: dict[str, Any] = {"lesson": info.id, "mode": mode, "ok": False, "error": None}
    url = f"{server.base_url}/voila/render/{info.file}" + (f"?learner={code}" if code else "")
    context, offsite = new_context(browser, server.base_url)
    before = kernel_pids(server)
    try:
        context.add_init_script(
            READY_PROBE % {"mode": json.dumps(mode), "expected": activity_count(info)}
        )
        page = context.new_page()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        page.wait_for_function(
            "() => window.__bench && window.__bench.usable !== null",
            timeout=timeout * 1000,
            polling=100,
        )
        data = page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            return {...window.__bench, responseEnd: nav ? nav.responseEnd : null,
                    domContentLoaded: nav ? nav.domContentLoadedEventEnd : null};
        }""")
        rec.update(
            {k: (round(v / 1000, 4) if isinstance(v, (int, float)) else v) for k, v in data.items()}
        )
        rec["usable_s"] = rec.pop("usable")
        cell_error = page.evaluate(CELL_ERROR)
        if mode == "returning":
            # the learner's own page: their code is shown (their work was loaded)
            shown = page.locator(".course-code-inline").first.inner_text(timeout=timeout * 1000)
            if identity.normalise_code(shown) != identity.normalise_code(code or ""):
                rec["error"] = "another learner's code is shown"
        if rec["error"] is None and cell_error:
            rec["error"] = "the page holds a cell error"
        if rec["error"] is None and offsite:
            rec["error"] = f"requests to other hosts: {offsite[:3]}"
        rec["ok"] = rec["error"] is None
    except Exception as exc:  # noqa: BLE001 - every failure is recorded
        rec["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        rec["new_kernel_during_visit"] = bool(kernel_pids(server) - before)
        context.close()
    return rec


def round_trips(
    browser,
    server: Server,
    lesson_id: str,
    code: str,
    item: int,
    values: tuple[int, int],
    changes: int,
    timeout: float,
) -> dict:
    """Open the lesson as the prepared learner, then change one answer back and forth."""
    info = lessons.by_id(lesson_id)
    out: dict[str, Any] = {
        "lesson": lesson_id,
        "item_index": item,
        "values": list(values),
        "times_ms": [],
        "first_change_ms": [],
        "error": None,
    }
    context, offsite = new_context(browser, server.base_url)
    before = kernel_pids(server)
    pictures = PICTURES[lesson_id]
    try:
        page = context.new_page()
        page.goto(
            f"{server.base_url}/voila/render/{info.file}?learner={code}", timeout=timeout * 1000
        )
        radios = (
            page.locator(".course-activity .course-item").nth(item).locator("input[type=radio]")
        )
        radios.first.wait_for(timeout=timeout * 1000)
        page.wait_for_selector(
            ".course-activity .course-item input[type=radio]:not([disabled])",
            timeout=timeout * 1000,
        )
        option = {values[0]: 0, values[1]: radios.count() - 1}

        def settled(quiet_s: float = 1.5) -> str:
            """The pictures once they have stopped changing and nothing is being saved."""
            page.wait_for_function(
                "() => !document.querySelector('.course-status-saving')", timeout=timeout * 1000
            )
            value, since = page.evaluate(pictures), time.monotonic()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                time.sleep(0.1)
                now = page.evaluate(pictures)
                if now != value:
                    value, since = now, time.monotonic()
                elif time.monotonic() - since >= quiet_s:
                    return value
            raise TimeoutError("the pictures kept changing")

        start = settled()
        if not start:
            raise RuntimeError("no picture on the page")
        radios.nth(option[values[1]]).click()
        shown = {values[1]: settled()}
        radios.nth(option[values[0]]).click()
        shown[values[0]] = settled()
        if shown[values[0]] == shown[values[1]]:
            raise RuntimeError("the two answers give the same pictures")
        if shown[values[0]] != start:
            raise RuntimeError("the pictures differ between two visits of the same answer")
        for i in range(changes):
            value = values[1] if i % 2 == 0 else values[0]
            page.evaluate(ARM, [pictures, shown[value]])
            radios.nth(option[value]).click()
            page.wait_for_function(
                "() => window.__rt.done !== null", timeout=timeout * 1000, polling=50
            )
            rt = page.evaluate("() => window.__rt")
            if rt["input"] is None:
                raise RuntimeError("the click's input event was not seen")
            out["times_ms"].append(round(rt["done"] - rt["input"], 2))
            out["first_change_ms"].append(round(rt["firstChange"] - rt["input"], 2))
            page.wait_for_function(
                "() => !document.querySelector('.course-status-saving')", timeout=timeout * 1000
            )
            time.sleep(0.3)
        if offsite:
            out["error"] = f"requests to other hosts: {offsite[:3]}"
    except Exception as exc:  # noqa: BLE001 - recorded, reported
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        out["new_kernel_during_run"] = bool(kernel_pids(server) - before)
        context.close()
    return out


# ----------------------------------------------------------------------------- report


def summarise_visits(
    visits: list[dict], infos: list[lessons.LessonInfo], modes: list[str]
) -> list[dict]:
    rows = []
    for mode in modes:
        for info in infos:
            mine = [v for v in visits if v["lesson"] == info.id and v["mode"] == mode]
            ok = [v["usable_s"] for v in mine if v["ok"]]
            html = [v["responseEnd"] for v in mine if v["ok"] and v.get("responseEnd") is not None]
            rows.append(
                {
                    "lesson": info.id,
                    "file": info.file,
                    "mode": mode,
                    "visits_ok": len(ok),
                    "median_s": statistics.median(ok) if ok else None,
                    "p95_s": percentile(ok, 0.95),
                    "max_s": max(ok) if ok else None,
                    "html_median_s": statistics.median(html) if html else None,
                    "failures": sum(1 for v in mine if not v["ok"]),
                    "refill_overlaps": sum(1 for v in mine if v["new_kernel_during_visit"]),
                    "errors": sorted({v["error"] for v in mine if v["error"]}),
                }
            )
    return rows


def summarise_trips(trips: list[dict]) -> list[dict]:
    rows = []
    for t in trips:
        times = t["times_ms"]
        rows.append(
            {
                "lesson": t["lesson"],
                "changes": len(times),
                "p50_ms": percentile(times, 0.5),
                "p95_ms": percentile(times, 0.95),
                "max_ms": max(times) if times else None,
                "first_change_p50_ms": percentile(t["first_change_ms"], 0.5),
                "error": t["error"],
                "new_kernel_during_run": t["new_kernel_during_run"],
            }
        )
    return rows


def table(visit_rows: list[dict], trip_rows: list[dict], setup: str) -> str:
    lines = ["Time to the first usable widget"]
    lines += render_table(
        ["lesson", "kind", "visits", "median s", "p95 s", "max s", "html s", "fail", "refill"],
        [
            [
                r["lesson"],
                r["mode"],
                str(r["visits_ok"]),
                fmt(r["median_s"]),
                fmt(r["p95_s"]),
                fmt(r["max_s"]),
                fmt(r["html_median_s"]),
                str(r["failures"]),
                str(r["refill_overlaps"]),
            ]
            for r in visit_rows
        ],
        left=2,
    )
    if trip_rows:
        lines += ["", "Widget round trip (answer changed -> picture redrawn)"]
        lines += render_table(
            ["lesson", "what", "changes", "p50 ms", "p95 ms", "max ms", "fail"],
            [
                [
                    r["lesson"],
                    "capacity model" if r["lesson"] == "03" else "diagnosis",
                    str(r["changes"]),
                    fmt(r["p50_ms"], 0),
                    fmt(r["p95_ms"], 0),
                    fmt(r["max_ms"], 0),
                    (r["error"] or "0")
                    + (" (new kernel during run)" if r["new_kernel_during_run"] else ""),
                ]
                for r in trip_rows
            ],
            left=2,
        )
    lines.append("")
    for name, text in COLUMNS.items():
        lines.append(f"{name}: {text}")
    lines.append(f"server and pools: {setup}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="visits per lesson and kind (default 5)"
    )
    parser.add_argument(
        "--modes", default=",".join(MODES), help="returning,anonymous (default both)"
    )
    parser.add_argument(
        "--lessons", default="", help="lesson ids, e.g. 00,03 (default every lesson)"
    )
    parser.add_argument(
        "--changes",
        type=int,
        default=30,
        help="measured answer changes per round-trip lesson (default 30; 0 = none)",
    )
    parser.add_argument(
        "--refill-delay",
        type=float,
        default=90,
        help="COURSE_REFILL_DELAY_S of the server: longer than one round of visits "
        "(default 90 s; the course's default is 20 s)",
    )
    parser.add_argument(
        "--cull-idle",
        type=int,
        default=180,
        help="COURSE_CULL_IDLE_S of the server, so visited kernels do not pile up "
        "(default 180 s; the course's default is 540 s)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="longest wait for one page (s)")
    parser.add_argument("--start-timeout", type=float, default=600, help="server start timeout (s)")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in MODES for m in modes) or args.repeats < 1 or args.changes < 0:
        parser.error("bad --modes, --repeats or --changes")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: sudo apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    infos = lessons.available()
    if args.lessons:
        wanted = {x.strip().zfill(2) for x in args.lessons.split(",") if x.strip()}
        infos = [i for i in infos if i.id in wanted]
    signal.signal(signal.SIGTERM, _on_sigterm)
    started = dt.datetime.now()
    t_start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="bench-browser-widgets-"))
    env = {
        "COURSE_POOLS": "",
        "COURSE_COHORT_SIZE": "0",
        "COURSE_REFILL_DELAY_S": str(int(args.refill_delay)),
        "COURSE_CULL_IDLE_S": str(args.cull_idle),
    }
    setup = (
        f"python -m widgets_lib.server.serve --pool-size 1 (one pre-heated kernel per lesson), "
        f"COURSE_REFILL_DELAY_S={int(args.refill_delay)} and COURSE_CULL_IDLE_S={args.cull_idle}: "
        "visits run in rounds of one visit per lesson, shorter than the refill delay, and each "
        "round starts once every kernel taken by the previous one is replaced and the server is "
        "idle (CPU quiet); Chromium headless, one browser, a new context per visit."
    )
    server = Server(config="course", pool_size=1, tmpdir=tmp, env=env)
    doc: dict[str, Any] = {
        "benchmark": "browser_widgets",
        "started": started.isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "setup": setup,
        "rounds": [],
    }
    visits: list[dict] = []
    trips: list[dict] = []
    print(
        f"browser widgets: {len(infos)} lessons x {modes} x {args.repeats} repeats, "
        f"{args.changes} round-trip changes, {os.cpu_count()} CPUs",
        flush=True,
    )
    try:
        store = Store(
            f"sqlite:///{tmp / 'bench.db'}"
        )  # the server's database (first_visits.Server)
        codes = {(r, i.id): new_learner(store) for r in range(args.repeats) for i in infos}
        trip_learners = (
            {"03": capacity_learner(store), "05": diagnosis_learner(store)} if args.changes else {}
        )
        trip_learners = {k: v for k, v in trip_learners.items() if any(i.id == k for i in infos)}
        store.dispose()
        print(
            f"  starting the course server (start timeout {args.start_timeout:.0f} s) ...",
            flush=True,
        )
        server.start()
        doc["server_start"] = server.wait_ready(args.start_timeout, [i.file for i in infos])
        doc["memory_ready"] = server.memory()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pending: tuple[set[int], int] | None = None
            rounds = [(r, mode) for r in range(args.repeats) for mode in modes]
            for n, (rep, mode) in enumerate(rounds, start=1):
                if pending:
                    doc["rounds"].append(
                        wait_for_refills(server, *pending, timeout=args.refill_delay + 300)
                    )
                since = kernel_pids(server)
                load = [round(x, 2) for x in os.getloadavg()]
                t_round = time.monotonic()
                for info in infos:
                    rec = first_usable(
                        browser,
                        server,
                        info,
                        mode,
                        codes[(rep, info.id)] if mode == "returning" else None,
                        args.timeout,
                    )
                    rec.update({"round": n, "loadavg_before_round": load})
                    visits.append(rec)
                duration = time.monotonic() - t_round
                mine = [v for v in visits if v["round"] == n]
                print(
                    f"  round {n}/{len(rounds)} ({mode}): "
                    + ", ".join(
                        f"{v['lesson']} {fmt(v.get('usable_s'))}"
                        if v["ok"]
                        else f"{v['lesson']} FAIL"
                        for v in mine
                    )
                    + f" ({duration:.0f} s)",
                    flush=True,
                )
                for v in mine:
                    if v["error"]:
                        print(f"    {v['lesson']}: {v['error']}", flush=True)
                if duration > args.refill_delay:
                    print(
                        f"  WARNING: the round took {duration:.0f} s, longer than the refill delay",
                        flush=True,
                    )
                pending = (since, len(infos))
            if trip_learners:
                if pending:
                    doc["rounds"].append(
                        wait_for_refills(server, *pending, timeout=args.refill_delay + 300)
                    )
                since = kernel_pids(server)
                for lesson_id, (code, item, values) in trip_learners.items():
                    trip = round_trips(
                        browser, server, lesson_id, code, item, values, args.changes, args.timeout
                    )
                    trip["loadavg"] = [round(x, 2) for x in os.getloadavg()]
                    trips.append(trip)
                    times = trip["times_ms"]
                    print(
                        f"  round trip {lesson_id}: {len(times)} changes, p50 "
                        f"{fmt(percentile(times, 0.5), 0)} ms, "
                        f"p95 {fmt(percentile(times, 0.95), 0)} ms"
                        + (f", ERROR {trip['error']}" if trip["error"] else ""),
                        flush=True,
                    )
            browser.close()
        doc["memory_end"] = server.memory()
    except StartError as exc:
        print(f"SERVER FAILED TO START: {exc}\n{exc.log_tail}", flush=True)
        doc["start_error"] = str(exc)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the server", file=sys.stderr)
        stop_all_servers()
        return 130
    finally:
        doc["stop"] = server.stop()
        doc["server_log_tail"] = server.log_tail(20)
        shutil.rmtree(tmp, ignore_errors=True)

    visit_rows = summarise_visits(visits, infos, modes)
    trip_rows = summarise_trips(trips)
    text = table(visit_rows, trip_rows, setup)
    elapsed = time.monotonic() - t_start
    print()
    print(text)
    print(f"\ntotal time {elapsed / 60:.1f} min")
    busy = [v for v in visits if v["loadavg_before_round"][0] > (os.cpu_count() or 1)]
    if busy:
        print(
            f"WARNING: the machine was busy (1-min load average above {os.cpu_count()}) before "
            f"{len({v['round'] for v in busy})} of {len({v['round'] for v in visits})} rounds: "
            "the timings mean little"
        )
    doc.update(
        {
            "duration_s": round(elapsed, 1),
            "repeats": args.repeats,
            "modes": modes,
            "changes": args.changes,
            "refill_delay_s": args.refill_delay,
            "cull_idle_s": args.cull_idle,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "memory_mb": round(psutil.virtual_memory().total / 2**20),
            },
            "columns": COLUMNS,
            "first_usable": visit_rows,
            "round_trip": trip_rows,
            "table": text,
            "visits": visits,
            "trips": trips,
        }
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"browser_widgets-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"results: {out.relative_to(REPO)}")
    return 0 if "start_error" not in doc else 1


if __name__ == "__main__":
    sys.exit(main())
