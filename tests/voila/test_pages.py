"""Every page renders over HTTP from a real Voila server, with nothing fetched elsewhere."""

from __future__ import annotations

import re

import pytest
import requests

from tests.helpers import LESSON_FILES, REPO, CourseServer

FOREIGN = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//(?!127\.0\.0\.1|localhost)""", re.I)


def get(server, path: str, **kwargs) -> requests.Response:
    return requests.get(server.url + path, timeout=120, **kwargs)


def test_home_page_leads_to_lesson_00_keeping_the_code(course_server):
    page = get(course_server, "/?learner=ABCD-EFGH-JKMN")
    assert page.status_code == 200
    assert (
        'location.replace("/voila/render/00_welcome.ipynb" + window.location.search)' in page.text
    )
    assert 'href="/voila/render/00_welcome.ipynb"' in page.text


@pytest.mark.parametrize("lesson", [*LESSON_FILES, "tutor/dashboard.ipynb"])
def test_lesson_renders_completely(course_server, lesson):
    page = get(course_server, f"/voila/render/{lesson}")
    assert page.status_code == 200
    assert "window.voila_finish()" in page.text, "the page stopped before its last cell"
    assert "There was an error" not in page.text
    assert "Traceback" not in page.text
    assert "course.css" in page.text and "course.js" in page.text
    assert not FOREIGN.findall(page.text), "the page loads something from another host"


def test_static_assets_are_served_locally(course_server):
    for asset in ("course.css", "course.js"):
        response = get(course_server, f"/voila/templates/course/static/{asset}")
        assert response.status_code == 200, asset


@pytest.mark.parametrize(
    "path",
    [
        "/voila/files/03_capacity_model.ipynb",
        "/voila/files/../widgets_lib/store.py",
        "/voila/files/../data/capacity_items.json",
        "/voila/files/tutor",
        "/voila/render/../pyproject.toml",
    ],
)
def test_source_and_data_are_not_served(course_server, path):
    response = get(course_server, path, allow_redirects=True)
    assert response.status_code in (403, 404), (path, response.status_code)
    assert "lesson.finish()" not in response.text
    assert "import sqlalchemy" not in response.text


def test_missing_page_is_friendly(course_server):
    response = get(course_server, "/voila/render/99_nothing.ipynb")
    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert "welcome page" in response.text


def test_failing_cell_shows_a_friendly_message_never_a_traceback(tmp_path):
    server = CourseServer(
        f"sqlite:///{tmp_path}/f.db",
        tmp_path / "server.log",
        notebook_dir=REPO / "tests" / "voila" / "fixtures",
    )
    try:
        server.wait_ready(["failing.ipynb"])
        page = get(server, "/voila/render/failing.ipynb")
    finally:
        server.stop()
    assert page.status_code == 200
    assert "SECRET-INTERNAL-DETAIL-42" not in page.text
    assert "Traceback" not in page.text and "RuntimeError" not in page.text
    assert "Your saved work is safe" in page.text
    assert "--show_tracebacks" not in page.text


def test_learner_codes_never_reach_the_server_log(course_server):
    code = "PQRT-UVWX-Y346"
    get(course_server, f"/voila/render/00_welcome.ipynb?learner={code}")
    get(course_server, f"/voila/render/no_such_lesson.ipynb?learner={code}")
    assert code not in course_server.log()


def test_tutor_keys_never_reach_the_server_log(course_server):
    key = "PQRT-UVWX-Y346-ABCD-EFGH"
    get(course_server, f"/voila/render/tutor/dashboard.ipynb?key={key}")
    get(course_server, f"/voila/render/tutor/nothing.ipynb?key={key}")
    assert key not in course_server.log()
