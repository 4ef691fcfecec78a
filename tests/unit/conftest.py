import pytest

from widgets_lib.store import Store


@pytest.fixture
def store(store_url: str):
    """A fresh store, once on SQLite and once on PostgreSQL (``store_url``)."""
    s = Store(store_url)
    yield s
    s.dispose()
