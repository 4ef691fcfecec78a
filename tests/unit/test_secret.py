"""The server's secret (widgets_lib/secret.py): created once, private, shared by every process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from widgets_lib import CourseError, secret


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_SECRET", raising=False)
    monkeypatch.setenv("COURSE_SECRET_FILE", str(tmp_path / "conf" / "secret.key"))
    secret.server_secret.cache_clear()
    yield tmp_path / "conf" / "secret.key"
    secret.server_secret.cache_clear()


def test_created_on_first_use_readable_by_its_owner_only(fresh):
    key = secret.server_secret()
    assert fresh.exists() and len(key) == 64
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_every_process_gets_the_same_secret(fresh):
    code = "from widgets_lib import secret; print(secret.keyed_hash('learner', 'AB'))"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ
        )
        for _ in range(4)
    ]
    hashes = {run.communicate()[0].strip() for run in runs}
    assert len(hashes) == 1 and hashes == {secret.keyed_hash("learner", "AB")}


def test_purposes_and_secrets_give_different_hashes(monkeypatch):
    one = secret.keyed_hash("learner", "K7PM-3XQA")
    assert one != secret.keyed_hash("join", "K7PM-3XQA")
    monkeypatch.setenv("COURSE_SECRET", "x" * 40)
    secret.server_secret.cache_clear()
    assert secret.keyed_hash("learner", "K7PM-3XQA") != one


def test_a_short_secret_is_refused(monkeypatch, fresh):
    monkeypatch.setenv("COURSE_SECRET", "short")
    with pytest.raises(CourseError, match="at least 32"):
        secret.server_secret()
    monkeypatch.delenv("COURSE_SECRET")
    fresh.parent.mkdir(parents=True)
    fresh.write_text("tiny\n")
    with pytest.raises(CourseError, match="shorter than 32"):
        secret.server_secret()
