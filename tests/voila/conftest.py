import pytest

from tests.helpers import layer_server

collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="package")  # stopped when this layer is done, so layers never share the CPU
def course_server(tmp_path_factory):
    """The course served as `make serve` does, with its own fresh database."""
    with layer_server(tmp_path_factory, "voila") as server:
        yield server
