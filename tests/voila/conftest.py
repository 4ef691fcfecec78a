collect_ignore_glob = ["fixtures/*"]

import pytest

from tests.helpers import LESSON_FILES, CourseServer


@pytest.fixture(scope="package")  # stopped when this layer is done, so layers never share the CPU
def course_server(tmp_path_factory):
    """The course served as `make serve` does, with its own fresh database."""
    folder = tmp_path_factory.mktemp("voila")
    server = CourseServer(f"sqlite:///{folder}/course.db", folder / "server.log")
    try:
        server.wait_ready(LESSON_FILES)
        yield server
    finally:
        server.stop()
