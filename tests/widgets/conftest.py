import pytest

from widgets_lib.store import Store


@pytest.fixture
def store(tmp_path):
    """A fresh SQLite store for one headless widget test."""
    s = Store(f"sqlite:///{tmp_path}/widgets.db")
    yield s
    s.dispose()
