"""The person layer: journeys driven only as a person drives a page, by the mouse wheel, the
keyboard and touch (``tests/person/person.py``). Before every click or key press the target is
already in the viewport, brought there by scrolling as a person would; Playwright's own
scrolling into view, which hid pages that could not scroll, is never relied on."""

from __future__ import annotations

import pytest

from tests.helpers import layer_server


@pytest.fixture(scope="package")  # stopped when this layer is done, so layers never share the CPU
def course_server(tmp_path_factory):
    with layer_server(tmp_path_factory, "person", pool_size=1) as server:
        yield server
