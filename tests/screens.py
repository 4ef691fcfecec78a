"""`make screens`: full-length screenshots of every page, to look at as a person would.

    .venv/bin/python -m tests.screens [--out screens] [--only 04,dashboard]

A course server is started as the tests start it (its own throw-away SQLite database), two
learners with work in every lesson and a cohort are seeded, and Chromium photographs every page
at 1280×900 and at 390×844: each lesson before starting and with the learner's work, the tutor's
dashboard before the key and with the cohort open, the home page, a missing page, the error page
and the personal report. The pictures go to ``screens/<width>x<height>/<page>.png`` (git-ignored);
each network drawing is also photographed on its own once drawn (``<page>-drawing-<n>.png``), and
the report is printed to ``screens/report.pdf``.
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


# True once a drawing's canvas holds anything but the background (vis-network has drawn).
_DRAWN = """() => {
  const canvas = document.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
  return false;
}"""


def _drawings(page, stem: Path) -> int:
    """Each network drawing on the page, scrolled into view as a person scrolls to it and
    photographed on its own once it has drawn (``<page>-drawing-<n>.png``); a full-page picture
    of a page does not always show what an iframe's canvas holds."""
    taken = 0
    for n, frame in enumerate(page.locator("iframe.course-drawing").all(), start=1):
        frame.scroll_into_view_if_needed()
        inner = frame.element_handle().content_frame()
        try:
            inner.wait_for_function(_DRAWN, timeout=30_000)
        except Exception:  # noqa: BLE001 - the picture shows what there is; say that it is empty
            print(f"    drawing {n} of {stem.name} still blank after 30 s", flush=True)
        frame.screenshot(path=str(stem.parent / f"{stem.name}-drawing-{n}.png"))
        taken += 1
    return taken


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
                            bypass_csp=True,
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
                            taken += _drawings(page, where / spec.id)
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
                        context = browser.new_context(
                            bypass_csp=True, viewport={"width": width, "height": height}
                        )
                        context.set_default_timeout(120_000)
                        page = context.new_page()
                        try:
                            report = download_report(page, server, seeded, folder)
                            page.set_content(report.read_text(encoding="utf-8"))
                            page.screenshot(path=str(where / "report.png"), full_page=True)
                            taken += 1
                            if not phone:  # printed as a person prints it: A4, the print styles
                                page.pdf(path=str(out / "report.pdf"), format="A4")
                                print(f"  report printed to {out / 'report.pdf'}", flush=True)
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
