"""Lesson 05 with a comparison of two snapshots on it: no serious axe-core violation, no heading
level skipped, and the comparison's picture has a name, a description and tables beside it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_snapshots_journey import (
    SPRING,
    draw,
    open_snapshots,
    save_snapshot,
)
from tests.person.person import click
from tests.reliability.course_pages import TIMEOUT_MS
from tests.reliability.test_accessibility import (  # noqa: F401 - axe_path is a fixture
    axe_check,
    axe_path,
    describe,
    pictures_problems,
)
from widgets_lib import identity

pytestmark = pytest.mark.browser


def test_a_comparison_on_the_page_is_accessible(new_context, course_server, axe_path):  # noqa: F811
    page, part, code = open_snapshots(new_context, course_server)
    save_snapshot(page, part, "Autumn 2026")
    draw(course_server.db_url, identity.code_key(code), SPRING)
    save_snapshot(page, part, "Spring 2027")
    click(page, part.get_by_role("button", name="Compare", exact=True))
    picture = part.locator("svg[role=img]", has_text="What changed from")
    expect(picture).to_have_count(1, timeout=TIMEOUT_MS)

    blocking = axe_check(page, axe_path, "05-with-a-comparison")
    assert not blocking, f"axe-core on lesson 05 with a comparison:\n{describe(blocking)}"
    assert pictures_problems(page) == []
