"""Real Chromium (Debian's package) driven by Playwright, against a real course server."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.helpers import LESSON_FILES, CourseServer


@pytest.fixture(scope="package")  # stopped when this layer is done, so layers never share the CPU
def course_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    server = CourseServer(f"sqlite:///{folder}/course.db", folder / "server.log", pool_size=1)
    try:
        server.wait_ready(LESSON_FILES)
        yield server
    finally:
        server.stop()


class Offsite:
    """Every request that would leave the course server: blocked and remembered."""

    def __init__(self, server: CourseServer) -> None:
        self.host = urlparse(server.url).netloc
        self.requests: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.netloc == self.host:
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()


@pytest.fixture
def new_context(browser, course_server):
    """Make browser contexts (fresh cookies and storage each) that refuse to leave the server."""
    made = []
    offsite = Offsite(course_server)
    dialogs: list[str] = []

    def make():
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        # Generous limits: pages may wait for a kernel on a busy 2-core machine. Tests never
        # assert on time; these only decide when to give up.
        context.set_default_timeout(60_000)
        context.set_default_navigation_timeout(120_000)
        context.route("**/*", offsite.route)
        context.on("page", lambda page: page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
        made.append(context)
        return context

    make.offsite = offsite
    make.dialogs = dialogs
    yield make
    for context in made:
        context.close()
    assert offsite.requests == [], f"requests left the course server: {offsite.requests}"
    assert dialogs == [], f"a script opened a dialog: {dialogs}"
