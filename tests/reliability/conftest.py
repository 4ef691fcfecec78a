"""Reliability: concurrency, crash safety, hostile input, offline use, accessibility.

Tests that drive pages use ``new_context`` (tests/conftest.py) against this layer's own server."""

from __future__ import annotations

import pytest

from tests.helpers import layer_server


@pytest.fixture(scope="package")  # stopped when this layer is done, so layers never share the CPU
def course_server(tmp_path_factory):
    with layer_server(tmp_path_factory, "reliability", pool_size=1) as server:
        yield server
