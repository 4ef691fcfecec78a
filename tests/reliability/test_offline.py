"""Offline: with every request beyond the course server blocked, every page and drawing renders
completely, and no page asks for anything beyond the course server.

Two blocks stand between a page and other hosts. ``new_context`` (tests/conftest.py) aborts and
records every request Playwright sees leaving the server; Playwright does not see the requests of
the network drawing's sandboxed frame (an opaque origin in its own process), so every context
here also sends all traffic but the server's through a proxy that does not exist: nothing can
leave, whoever asks. The pages must still be complete, and neither the HTML of any page nor any
asset it loaded (scripts, styles, fonts, the drawing's own page) may name another host.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.helpers import free_port
from tests.reliability import course_pages
from tests.reliability.course_pages import OUTPUTS_JS, PAGES, PLACEHOLDERS, TIMEOUT_MS, Spec
from widgets_lib.server.serve import FRIENDLY_CELL_ERROR

pytestmark = pytest.mark.browser

# A URL another host would be fetched from: in src/href/… attributes, CSS url() and @import.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|formaction|poster|data|srcset)\s*=\s*\\?["']?\s*"""
    r"""|url\(\s*\\?["']?\s*"""
    r"""|@import\s+\\?["']\s*)((?:https?:)?//[^\s"'\\)<>]+)""",
    re.IGNORECASE,
)
TEXT_TYPES = ("html", "css", "javascript", "json", "svg", "xml")
# A whole line of JavaScript comment names nothing that is fetched: anywidget's front end (rspack's
# runtime) explains its public path with an example ``<img src="https://attacker.controlled.server/">``.
JS_LINE_COMMENT = re.compile(r"^[ \t]*//.*$", re.MULTILINE)
CELL_ERRORS = (
    "There was an error when executing cell",
    "An exception occurred at the server",
    "Cell execution timed out",
    FRIENDLY_CELL_ERROR,
    "Traceback",
)

DRAWING_STATE = """() => {
  const canvas = document.querySelector('.course-map-canvas canvas');
  let painted = 0;
  if (canvas && canvas.width && canvas.height) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { painted += 1; } }
  }
  const box = canvas ? canvas.getBoundingClientRect() : {width: 0, height: 0};
  return {width: box.width, height: box.height, painted: painted,
          fallbackShown: !document.querySelector('.course-map-fallback').hidden,
          loaded: performance.getEntriesByType('resource').map(e => e.name)};
}"""


@pytest.fixture(scope="module")
def seeded(course_server) -> course_pages.Seeded:
    return course_pages.seed(course_server)


@pytest.fixture(scope="module")
def no_way_out() -> dict:
    """A proxy for every host but the course server's, on a port where nothing listens."""
    return {"server": f"http://127.0.0.1:{free_port()}", "bypass": "127.0.0.1"}


def external_urls(text: str, host: str) -> list[str]:
    return sorted(
        {
            url
            for url in EXTERNAL.findall(text)
            if urlparse(url if "//" != url[:2] else "http:" + url).netloc != host
        }
    )


def test_the_scan_finds_every_way_a_page_could_name_another_host():
    """The check below can fail: each form a fetch from elsewhere can take is found."""
    host = "127.0.0.1:8000"
    page = (
        '<script src="https://cdn.example.org/a.js"></script><link href=//fonts.example.org/f.css>'
        "<style>@import 'https://x.example.org/i.css';"
        " b { background: url(http://img.example.org/b.png) }</style>"
        '<img srcset="https://s.example.org/1.png 2x"><use xlink:href="https://u.example.org/#i"/>'
        '<iframe srcdoc="&lt;script src=&quot;https://f.example.org/v.js&quot;&gt;"></iframe>'
        '<a href="http://127.0.0.1:8000/voila/render/00_welcome.ipynb">home</a>'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><p>see https://example.org in the text</p>'
    )
    found = external_urls(page.replace("&quot;", '"'), host)
    hosts = {urlparse(url if url[:2] != "//" else "http:" + url).netloc for url in found}
    assert hosts == {
        "cdn.example.org",
        "fonts.example.org",
        "x.example.org",
        "img.example.org",
        "s.example.org",
        "u.example.org",
        "f.example.org",
    }, found


class Loaded:
    """Every response a context received from the course server, to read their bodies later."""

    def __init__(self, context, host: str) -> None:
        self.host = host
        self.responses: list = []
        context.on("response", self._seen)

    def _seen(self, response) -> None:
        if urlparse(response.url).netloc == self.host:
            self.responses.append(response)

    def external_references(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for response in self.responses:
            kind = response.headers.get("content-type", "")
            if response.status in (204, 301, 302, 304) or not any(t in kind for t in TEXT_TYPES):
                continue
            try:
                text = response.body().decode("utf-8", errors="replace")
            except Exception:  # noqa: BLE001 - a body Chromium no longer holds: fetch it again
                text = response.frame.page.context.request.get(response.url).text()
            if "javascript" in kind:
                text = JS_LINE_COMMENT.sub("", text)
            urls = external_urls(text, self.host)
            if urls:
                found[response.url] = urls
        return found


def assert_complete(page, spec: Spec) -> None:
    """Every widget area drawn, no placeholder, no cell error, nothing that failed to save."""
    outputs = page.evaluate(OUTPUTS_JS)
    assert outputs, f"{spec.id}: no output on the page"
    for output in outputs:
        assert output["widget"], f"{spec.id}: an output holds no widget: {output['text']!r}"
    text = page.locator("body").inner_text()
    for marker in PLACEHOLDERS + CELL_ERRORS:
        assert marker not in text, f"{spec.id}: the page says {marker!r}"
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator(".course-status-failed, .course-warning").count() == 0, page.locator(
        ".course-status-failed, .course-warning"
    ).all_inner_texts()
    if spec.kind in ("lesson", "home"):  # home: lesson 00, where the home page leads
        notebook = spec.notebook if spec.kind == "lesson" else "00_welcome.ipynb"
        assert page.locator(".course-header").count() == 1
        assert page.locator(".course-activity").count() == course_pages.activity_count(notebook)
        assert page.locator("nav[aria-label='Lessons (bottom)']").count() == 1
    else:
        assert page.locator(".course-activity").count() == 1  # the dashboard


def assert_pictures_drawn(page, spec: Spec) -> None:
    """Every picture on show has a size; the lesson's own drawings are there."""
    sizes = page.evaluate(
        "() => Array.from(document.querySelectorAll('svg')).filter(s => s.checkVisibility())"
        ".map(s => { const b = s.getBoundingClientRect(); return [b.width, b.height]; })"
    )
    assert all(w > 0 and h > 0 for w, h in sizes), f"{spec.id}: an empty picture: {sizes}"
    titles = {  # the drawing each lesson's work reveals, by its title
        "00": "Network drawn by",  # in "See your work exactly as your tutor will see it"
        "03": "The capacity model",
        "05": "How strongly each type shows",
        "06": "Members of your network that lead",
    }
    if spec.kind == "lesson" and spec.with_work and spec.notebook[:2] in titles:
        title = page.locator("title", has_text=titles[spec.notebook[:2]])
        picture = page.locator("svg[role=img]", has=title).first
        box = picture.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"{spec.id}: picture missing"
    if spec.kind == "dashboard" and spec.with_work:
        merged = page.locator(
            "svg[role=img]", has=page.locator("title", has_text="The cohort's networks merged")
        )
        assert merged.count() == 1 and merged.bounding_box()["width"] > 0
        assert page.locator(".course-card svg[role=img]").count() >= 1


def assert_drawing_drew(page, server_url: str) -> None:
    """Lesson 04's drawing (the map editor, an anywidget) drew the network with the server's own
    vis-network: its front end, its module and the library all came from the course server."""
    canvas = page.locator(".course-map-canvas canvas")
    canvas.wait_for(timeout=TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()  # look at it, as the learner does
    page.wait_for_function(
        "() => { const c = document.querySelector('.course-map-canvas canvas'); const d = "
        "c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; "
        "i < d.length; i += 4) { if (d[i] > 0) { return true; } } return false; }",
        polling=500,
        timeout=TIMEOUT_MS,
    )
    state = page.evaluate(DRAWING_STATE)
    assert not state["fallbackShown"], state
    assert state["width"] > 0 and state["height"] > 0 and state["painted"] > 0, state
    loaded = state["loaded"]
    assert any("/static/vis-network.min.js" in url for url in loaded), loaded
    assert any("/labextensions/anywidget/" in url for url in loaded), loaded
    assert all(url.startswith(server_url + "/") or url.startswith("blob:") for url in loaded), (
        loaded
    )


# Pages with work show everything their lesson can show; the same pages before starting are
# opened with other hosts blocked by test_accessibility.py (new_context fails on any request out).
FULL_PAGES = [spec for spec in PAGES if spec.kind != "lesson" or spec.with_work]


@pytest.mark.parametrize("spec", FULL_PAGES, ids=[spec.id for spec in FULL_PAGES])
def test_page_renders_completely_with_other_hosts_blocked(
    spec: Spec, new_context, course_server, seeded, no_way_out
):
    context = new_context(proxy=no_way_out)
    loaded = Loaded(context, urlparse(course_server.url).netloc)
    page = context.new_page()
    course_pages.show(page, course_server, spec, seeded)
    if spec.kind in ("lesson", "dashboard", "home"):
        assert_complete(page, spec)
        assert_pictures_drawn(page, spec)
    if spec.kind == "lesson" and spec.with_work and spec.notebook.startswith("04"):
        assert_drawing_drew(page, course_server.url)
    found = loaded.external_references()
    page_html = external_urls(page.content(), loaded.host)
    assert found == {} and page_html == [], f"{spec.id} names other hosts: {found} {page_html}"
    assert len(loaded.responses) >= 1
    # new_context fails the test at teardown if any request left the server or a dialog opened.


def test_personal_report_opens_offline_with_all_its_pictures(
    new_context, browser, course_server, seeded, no_way_out, tmp_path: Path
):
    page = new_context(proxy=no_way_out).new_page()
    report = course_pages.download_report(page, course_server, seeded, tmp_path)
    text = report.read_text(encoding="utf-8")
    assert external_urls(text, "") == []
    offline = browser.new_context(bypass_csp=True, offline=True)
    requests: list[str] = []
    offline.on("request", lambda r: requests.append(r.url))
    try:
        reader = offline.new_page()
        reader.goto(report.as_uri())
        reader.wait_for_load_state("load")
        sections = {
            "My school on the capacity model": 2,  # the model and the profile
            "My network": 1,
            "Empty or meaningful? The diagnosis": 1,
            "Who leads in my network": 2,  # the network with its leads, and leads by role
        }
        for heading, pictures in sections.items():
            section = reader.locator(
                "section", has=reader.get_by_role("heading", name=heading, exact=True)
            )
            svgs = section.locator("svg[role=img]")
            assert svgs.count() == pictures, (heading, svgs.count())
            for i in range(pictures):
                box = svgs.nth(i).bounding_box()
                assert box and box["width"] > 0 and box["height"] > 0, heading
            assert section.locator("table").count() >= 1 or heading.startswith("Empty"), heading
        assert reader.locator("img, script, link, iframe, object, embed").count() == 0
        assert requests == [report.as_uri()], requests
    finally:
        offline.close()


# Every violation of the page's Content-Security-Policy, recorded from before the page's first
# script (an init script is the browser's own, not the page's, so the policy does not stop it).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
CSP_PAGES = [s for s in PAGES if s.kind in ("lesson", "dashboard") and s.with_work]


@pytest.mark.parametrize("spec", CSP_PAGES, ids=[spec.id for spec in CSP_PAGES])
def test_page_works_under_the_servers_content_security_policy(
    spec: Spec, browser, course_server, seeded
):
    """Without Playwright's CSP bypass (which every other browser test uses, for its string
    predicates): the page draws every activity and breaks no rule of the server's policy. Only
    locators and plain evaluation here: both run outside the page's policy."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        if spec.kind == "lesson":
            url = f"{course_server.url}/voila/render/{spec.notebook}?learner={seeded.learner.code}"
            activities = course_pages.activity_count(spec.notebook)
        else:
            url = (
                f"{course_server.url}/voila/render/{course_pages.DASHBOARD}?key={seeded.tutor_key}"
            )
            activities = 1
        response = page.goto(url, timeout=TIMEOUT_MS)
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "unsafe-eval" not in policy, policy
        activity = page.locator(".course-activity")
        activity.nth(activities - 1).wait_for(timeout=TIMEOUT_MS)
        assert activity.count() == activities
        if spec.kind == "lesson":
            page.locator(".course-progress", has_text="You have completed").first.wait_for(
                timeout=TIMEOUT_MS
            )
        else:
            page.get_by_text("Progress of each participant").first.wait_for(timeout=TIMEOUT_MS)
        if spec.notebook.startswith("04"):
            drawing = page.locator(".course-map-canvas canvas")  # the map editor drew
            drawing.scroll_into_view_if_needed()
            drawing.wait_for(timeout=TIMEOUT_MS)
        violations = page.evaluate("() => window.__violations") + [
            v
            for frame in page.frames[1:]
            for v in frame.evaluate("() => window.__violations || []")
        ]
        print(f"\n{spec.id}: {activities} activities drawn; CSP violations: {violations}")
        assert violations == []
    finally:
        context.close()
