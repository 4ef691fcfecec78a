"""Real Chromium (Debian's package) driven by Playwright, against a real course server.

``new_context`` (tests/conftest.py) makes browser contexts that refuse to leave the server."""

from __future__ import annotations

import pytest

from tests.helpers import layer_server


@pytest.fixture(scope="package")  # stopped when this layer is done, so layers never share the CPU
def course_server(tmp_path_factory):
    with layer_server(tmp_path_factory, "browser", pool_size=1) as server:
        yield server
