"""Accessibility of every page: axe-core finds no serious or critical violation (and no skipped
heading level) on any page of the course, before and after a learner's work, on the tutor's
dashboard, the personal report, the home, missing and error pages; every picture has a text
alternative.

axe-core comes from the npm registry (``make test-setup``) and is injected into each page by
Playwright. The rules that fired (at any impact) are printed at the end (``pytest -s``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.reliability import course_pages
from tests.reliability.course_pages import PAGES, TIMEOUT_MS, Spec

pytestmark = pytest.mark.browser

AXE = REPO / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
ALWAYS_BLOCKING = {"heading-order"}  # fixed once; kept fixed: no heading level may be skipped
FIRED: dict[str, set[str]] = {}  # every rule that fired, at any impact: rule (impact) -> pages

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations'], iframes: false});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                          summary: n.failureSummary}))}));
}"""

PICTURES = """() => {
  const text = el => (el ? el.textContent : '').trim();
  const name = el => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    const labelled = ids.map(id => text(document.getElementById(id))).join(' ').trim();
    return labelled || (el.getAttribute('aria-label') || '').trim()
      || text(el.querySelector(':scope > title'));
  };
  const near = el => el.closest(
    '.course-card, section, .course-result, .course-activity, main, body');
  return {
    svgs: Array.from(document.querySelectorAll('svg')).map(s => ({
      html: s.outerHTML.slice(0, 160), role: s.getAttribute('role'), name: name(s),
      desc: text(s.querySelector(':scope > desc')), table: !!near(s).querySelector('table')})),
    iframes: Array.from(document.querySelectorAll('iframe')).map(f => ({
      title: (f.getAttribute('title') || '').trim(),
      table: text((f.closest('.course-activity') || document.body).querySelector('table'))})),
    imgs: Array.from(document.querySelectorAll('img')).map(i => ({
      src: (i.getAttribute('src') || '').slice(0, 80), alt: i.getAttribute('alt')})),
  };
}"""


@pytest.fixture(scope="module")
def axe_path() -> Path:
    """axe-core as ``make test-setup`` installs it: missing is a failure, never a skip."""
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE}): run `make test-setup`, which installs it from the "
            "npm registry (npm install --prefix .cache/node axe-core@4).",
            pytrace=False,
        )
    return AXE


@pytest.fixture(scope="module")
def seeded(course_server) -> course_pages.Seeded:
    return course_pages.seed(course_server)


@pytest.fixture(scope="module", autouse=True)
def rules_that_fired():
    """Print which axe rules fired on which pages, whatever their impact."""
    yield
    print("\naxe rules that fired (any impact):" if FIRED else "\naxe: no rule fired on any page")
    for rule, pages in sorted(FIRED.items()):
        print(f"  {rule}: {', '.join(sorted(pages))}")


def axe_check(target, axe: Path, label: str) -> list[dict]:
    """Run axe-core in a page or frame; remember every rule that fired; return the blocking ones."""
    target.add_script_tag(path=str(axe))
    violations = target.evaluate(AXE_RUN)
    for v in violations:
        FIRED.setdefault(f"{v['id']} ({v['impact']})", set()).add(label)
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS or v["id"] in ALWAYS_BLOCKING]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    at {n['target']}: {n['html']}\n      {n['summary']}" for n in v["nodes"])
        for v in violations
    )


def pictures_problems(target) -> list[str]:
    """Every picture has a text alternative: an svg is role=img with a name and a description or a
    table beside it; a frame has a title (and a drawing's frame a table); an img has alt text."""
    found = target.evaluate(PICTURES)
    problems = []
    for svg in found["svgs"]:
        if svg["role"] != "img" or not svg["name"]:
            problems.append(f"svg without role=img and a name: {svg['html']}")
        elif not (svg["desc"] or svg["table"]):
            problems.append(f"svg with neither a description nor a table beside it: {svg['html']}")
    for frame in found["iframes"]:
        if not frame["title"]:
            problems.append("an iframe without a title")
        if not frame["table"]:
            problems.append(f"the drawing {frame['title']!r} has no table beside it")
    problems += [
        f"img without alt text: {img['src']}"
        for img in found["imgs"]
        if not (img["alt"] or "").strip()
    ]
    return problems


@pytest.mark.parametrize("spec", PAGES, ids=[spec.id for spec in PAGES])
def test_page_has_no_serious_violation_and_every_picture_has_a_text_alternative(
    spec: Spec, new_context, course_server, seeded, axe_path
):
    page = new_context().new_page()
    course_pages.show(page, course_server, spec, seeded)
    blocking = axe_check(page, axe_path, spec.id)
    assert not blocking, f"axe-core on {spec.id}:\n{describe(blocking)}"
    problems = pictures_problems(page)
    assert not problems, f"{spec.id}: " + "; ".join(problems)

    if spec.kind == "lesson" and spec.with_work and spec.notebook.startswith("04"):
        # The drawing (the map editor, in the page): a named picture, and the name field it opens
        # where an empty spot is clicked, checked open.
        drawing = page.locator(".course-map-canvas[role=img][aria-label]")
        drawing.locator("canvas").wait_for(timeout=TIMEOUT_MS)
        drawing.scroll_into_view_if_needed()
        box = drawing.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 12)  # a corner: the view keeps a margin there
        page.get_by_label("Name of the new school", exact=True).wait_for(timeout=TIMEOUT_MS)
        blocking = axe_check(page, axe_path, "04-drawing-name-field")
        assert not blocking, f"axe-core with the drawing's name field open:\n{describe(blocking)}"


def check_report_file(browser, path: Path, axe: Path, label: str, pictures: int) -> None:
    """A downloaded report, opened from disk in a browser with no network at all. The report
    forbids scripts (its Content-Security-Policy): only axe's own injection is let in."""
    offline = browser.new_context(bypass_csp=True, offline=True)
    try:
        reader = offline.new_page()
        reader.goto(path.as_uri())
        assert reader.locator("svg").count() >= pictures
        blocking = axe_check(reader, axe, label)
        assert not blocking, f"axe-core on the {label}:\n{describe(blocking)}"
        problems = pictures_problems(reader)
        assert not problems, f"{label}: " + "; ".join(problems)
    finally:
        offline.close()


def test_personal_report_has_no_serious_violation(
    new_context, browser, course_server, seeded, axe_path, tmp_path
):
    page = new_context().new_page()
    report = course_pages.download_report(page, course_server, seeded, tmp_path)
    # the model, the profile, the network, the diagnosis, the leads on the network, leads by role
    check_report_file(browser, report, axe_path, "personal-report", pictures=6)


def test_cohort_report_has_no_serious_violation(
    new_context, browser, course_server, seeded, axe_path, tmp_path
):
    page = new_context().new_page()
    course_pages.show(page, course_server, Spec("dashboard", course_pages.DASHBOARD, True), seeded)
    page.get_by_role("button", name="Prepare the exports", exact=True).click()
    link = page.get_by_role("link", name="cohort report (HTML)", exact=True)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        link.click()
    report = tmp_path / download.value.suggested_filename
    download.value.save_as(report)
    # progress, capacity, diagnoses and the merged network each have a chart or drawing
    check_report_file(browser, report, axe_path, "cohort-report", pictures=4)


def test_the_home_page_redirect_itself_is_accessible_without_script(course_server, seeded):
    """What a browser without JavaScript sees at ``/``: a titled page in English, with a link."""
    import requests

    html = requests.get(course_server.url + "/", timeout=60).text
    assert '<html lang="en">' in html
    assert "<title>School capacity and networks course</title>" in html
    assert 'http-equiv="refresh"' in html  # inside <noscript>: no script needed to arrive
    assert '<a href="/voila/render/00_welcome.ipynb">Go to the course\'s welcome page</a>' in html
    assert "<main>" in html
