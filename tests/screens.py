"""`make screens`: full-length screenshots of every page, to look at as a person would.

    .venv/bin/python -m tests.screens [--out screens] [--only 04,dashboard]

A course server is started as the tests start it (its own throw-away SQLite database), two
learners with work in every lesson and a cohort are seeded, and Chromium photographs every page
at 1280×900 and at 390×844: each lesson before starting and with the learner's work, the tutor's
dashboard before the key and with the cohort open, the home page, a missing page, the error page
and the personal report. The pictures go to ``screens/<width>x<height>/<page>.png`` (git-ignored).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.helpers import CHROMIUM, CHROMIUM_ARGS, LESSON_FILES, REPO, CourseServer
from tests.reliability.course_pages import PAGES, download_report, seed, show

VIEWPORTS = [(1280, 900), (390, 844)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "screens"))
    parser.add_argument(
        "--only", default="", help="page ids to take, by prefix (e.g. 04,dashboard)"
    )
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="course-screens-") as tmp:
        folder = Path(tmp)
        server = CourseServer(f"sqlite:///{folder}/course.db", folder / "server.log", pool_size=1)
        try:
            print("starting a course server (a minute or two)…", flush=True)
            server.wait_ready(LESSON_FILES, timeout=600)
            seeded = seed(server)
            taken = 0
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for width, height in VIEWPORTS:
                    where = out / f"{width}x{height}"
                    where.mkdir(parents=True, exist_ok=True)
                    phone = width < 500
                    for spec in PAGES:
                        if wanted and not any(spec.id.startswith(w) for w in wanted):
                            continue
                        context = browser.new_context(
                            viewport={"width": width, "height": height},
                            has_touch=phone,
                            is_mobile=phone,
                            device_scale_factor=1,
                        )
                        context.set_default_timeout(120_000)
                        page = context.new_page()
                        try:
                            show(page, server, spec, seeded)
                            page.wait_for_timeout(500)  # let drawings settle before the picture
                            page.screenshot(path=str(where / f"{spec.id}.png"), full_page=True)
                            taken += 1
                            print(f"  {width}x{height} {spec.id}", flush=True)
                        except Exception as exc:  # noqa: BLE001 - one page's failure is reported
                            print(
                                f"  {width}x{height} {spec.id}: FAILED {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0][:160]}",
                                flush=True,
                            )
                        finally:
                            context.close()
                    if not wanted or any("report".startswith(w) for w in wanted):
                        context = browser.new_context(viewport={"width": width, "height": height})
                        context.set_default_timeout(120_000)
                        page = context.new_page()
                        try:
                            report = download_report(page, server, seeded, folder)
                            page.set_content(report.read_text(encoding="utf-8"))
                            page.screenshot(path=str(where / "report.png"), full_page=True)
                            taken += 1
                            print(f"  {width}x{height} report", flush=True)
                        finally:
                            context.close()
                browser.close()
            print(f"{taken} screenshots in {out}/")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
