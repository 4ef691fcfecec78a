"""widgets_lib.server.limits: the kernel caps and the memory ceiling's settings."""

from __future__ import annotations

import pytest

from widgets_lib.server import limits
from widgets_lib.server.limits import KernelCaps


def test_one_address_holds_at_most_its_share_even_while_kernels_start():
    caps = KernelCaps(per_client=2, total=100)
    assert caps.admit("203.0.113.7", set()) is None
    assert caps.admit("203.0.113.7", set()) is None  # two starting, none known yet
    assert "COURSE_KERNELS_PER_CLIENT" in caps.admit("203.0.113.7", set())
    assert caps.admit("198.51.100.1", set()) is None  # another address is not held back
    caps.given("203.0.113.7", "k1")
    caps.given("203.0.113.7", None)  # that request ended without a kernel: its place is free
    assert caps.admit("203.0.113.7", {"k1"}) is None
    caps.given("203.0.113.7", "k2")
    assert caps.admit("203.0.113.7", {"k1", "k2"}) is not None
    assert caps.admit("203.0.113.7", {"k2"}) is None  # k1 was culled: it no longer counts


def test_the_total_counts_every_kernel_pre_heated_ones_included():
    caps = KernelCaps(per_client=0, total=3)
    pool = {"p1", "p2"}
    assert caps.admit(None, pool) is None
    assert "COURSE_MAX_KERNELS" in caps.admit(None, pool)
    assert "COURSE_MAX_KERNELS" in caps.admit("203.0.113.7", pool)


def test_the_default_total_fits_the_machine(monkeypatch):
    monkeypatch.delenv("COURSE_MAX_KERNELS", raising=False)
    monkeypatch.setattr(limits, "memory_total_mb", lambda: 24 * 1024)
    monkeypatch.delenv("COURSE_FORK_KERNELS", raising=False)
    assert limits.max_kernels() == (24 * 1024 - 1024) // 60  # forked kernels share their pages
    monkeypatch.setenv("COURSE_FORK_KERNELS", "0")
    assert limits.max_kernels() == (24 * 1024 - 1024) // 120
    monkeypatch.setenv("COURSE_KERNEL_MB", "200")
    assert limits.max_kernels() == (24 * 1024 - 1024) // 200
    monkeypatch.setenv("COURSE_MAX_KERNELS", "12")
    assert limits.max_kernels() == 12


def test_a_setting_that_is_not_a_number_stops_the_server(monkeypatch):
    monkeypatch.setenv("COURSE_KERNELS_PER_CLIENT", "many")
    with pytest.raises(SystemExit, match="COURSE_KERNELS_PER_CLIENT"):
        limits.kernels_per_client()


def test_numpy_pyvis_and_openpyxl_import_under_the_ceiling_and_a_bomb_does_not():
    """A kernel's imports fit in the default ceiling; an allocation past it is a MemoryError."""
    import subprocess
    import sys

    code = (
        "import resource, os\n"
        f"limit = {limits.DEFAULT_KERNEL_MEMORY_MB} * 2**20\n"
        "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
        "import numpy, networkx, pyvis, openpyxl, ipywidgets, sqlalchemy, widgets_lib.views.lesson\n"
        "try:\n    block = bytearray(2 * limit)\nexcept MemoryError:\n    print('refused')\n"
    )
    env = {**__import__("os").environ, **limits.KERNEL_THREAD_ENV}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "refused"
