"""Session-wide settings for every test layer, notebooks (nbval) included.

Nothing a test does may touch a real learner's data: the default store for this
session (and for the kernels nbval and Voila start, which inherit the environment)
is a fresh SQLite file in a temporary folder.
"""

import os
import tempfile

_session_dir = tempfile.mkdtemp(prefix="course-tests-")


def pytest_configure(config):
    os.environ.setdefault("COURSE_DB_URL", f"sqlite:///{_session_dir}/session.db")
