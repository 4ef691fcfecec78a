"""Kernels forked from the template (widgets_lib/server/forking.py, issue 18): real kernels, started,
run, interrupted, restarted and shut down through jupyter_client, as the server does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning.factory import KernelProvisionerFactory
from traitlets.config import Config

from tests.helpers import run_async
from widgets_lib.server import forking
from widgets_lib.server.forking import ForkedProcess, ForkingProvisioner, Template, kernel_arguments

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs os.fork")


def test_kernel_arguments_only_for_this_python_running_ipykernel():
    conn = ["-f", "/tmp/kernel-1.json"]
    assert kernel_arguments(["python", "-m", "ipykernel_launcher", *conn]) == conn
    assert kernel_arguments([sys.executable, "-m", "ipykernel_launcher", *conn]) == conn
    assert kernel_arguments(["/usr/bin/env", "-m", "ipykernel_launcher", *conn]) is None
    assert kernel_arguments(["python", "-m", "other_kernel", *conn]) is None
    assert kernel_arguments(["R", "--slave", *conn]) is None


def test_forked_process_reports_exit_status_of_its_own_child():
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    process = ForkedProcess(pid)
    assert process.wait(10) == 3 and process.poll() == 3
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import select; select.select([], [], [], 30)"]
    )
    process = ForkedProcess(sleeper.pid)
    assert process.poll() is None
    process.terminate()
    sleeper.wait(10)  # Popen reaps it here: ForkedProcess then learns it has gone
    assert process.poll() is not None


def manager() -> AsyncKernelManager:
    # TCP here: with "ipc" the socket files are named relative to each side's working directory,
    # and these kernels start in a directory of the test's own (the server keeps them together).
    km = AsyncKernelManager(config=Config())
    KernelProvisionerFactory.instance().default_provisioner_name = forking.PROVISIONER_NAME
    return km


async def run(km: AsyncKernelManager, code: str, timeout: float = 60) -> str:
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        out: list[str] = []

        def output(msg) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])

        reply = await client.execute_interactive(code, timeout=timeout, output_hook=output)
        return reply["content"]["status"] + ":" + "".join(out)
    finally:
        client.stop_channels()


def test_forked_kernel_runs_interrupts_restarts_and_shuts_down(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_FORK_TEST_VALUE", "from the kernel's own environment")

    async def journey() -> None:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        try:
            assert isinstance(km.provisioner, ForkingProvisioner)
            process = km.provisioner.process
            assert isinstance(process, ForkedProcess), "the kernel was launched, not forked"
            pid = process.pid
            assert os.getpgid(pid) == pid  # leads its own process group, as launched kernels do
            with open(f"/proc/{pid}/cmdline", "rb") as fh:  # as ps shows a launched kernel
                assert km.connection_file in fh.read().decode()
            said = await run(
                km,
                "import os, sys\n"
                "print(os.environ['COURSE_FORK_TEST_VALUE'], os.getcwd(), os.getppid(),"
                " 'numpy' in sys.modules, sep='|')",
            )
            value, cwd, parent, numpy = said.removeprefix("ok:").strip().split("|")
            assert value == "from the kernel's own environment"
            assert os.path.samefile(cwd, tmp_path)
            assert int(parent) == os.getpid()  # adopted by this process (the subreaper)
            assert numpy == "False"  # the template imports no heavy library
            # ipywidgets was imported in the template, where no kernel was running to register
            # its comm targets with: the page's widget manager needs both.
            targets = await run(km, "import comm; print(sorted(comm.get_comm_manager().targets))")
            assert "'jupyter.widget'" in targets and "'jupyter.widget.control'" in targets

            # Interrupt: a running cell stops with KeyboardInterrupt and the kernel lives on.
            client = km.client()
            client.start_channels()
            running = client.execute(
                "import select; print('running', flush=True); select.select([], [], [], 60)"
            )
            # Until the cell's own code runs: "execute_input" comes before the kernel has set up
            # the cell, and a SIGINT then lands in ipykernel's machinery, not in the cell (once in
            # CI the kernel closed its shell socket and never replied).
            while True:
                msg = await client.get_iopub_msg(timeout=30)
                if (
                    msg["parent_header"].get("msg_id") == running
                    and msg["msg_type"] == "stream"
                    and "running" in msg["content"]["text"]
                ):
                    break
            await km.interrupt_kernel()
            reply = await client.get_shell_msg(timeout=30)
            client.stop_channels()
            assert reply["content"]["status"] == "error"
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            assert (await run(km, "print(6 * 7)")).strip() == "ok:42"

            await km.restart_kernel(now=True)
            assert km.provisioner.process.pid != pid
            assert (await run(km, "print('again')")).strip() == "ok:again"
            new_pid = km.provisioner.process.pid
        finally:
            await km.shutdown_kernel(now=False)
        assert not await km.is_alive()
        with pytest.raises(ProcessLookupError):
            os.kill(new_pid, 0)  # gone and reaped, no zombie left behind

    run_async(journey())


def test_a_dead_template_is_started_again(tmp_path):
    async def twice() -> None:
        template = Template.shared()
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        first = template.process.pid
        await km.shutdown_kernel(now=True)
        os.kill(first, signal.SIGKILL)
        template.process.wait(10)
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        try:
            assert isinstance(km.provisioner.process, ForkedProcess)
            assert template.process.pid != first
            assert (await run(km, "print('alive')")).strip() == "ok:alive"
        finally:
            await km.shutdown_kernel(now=True)

    run_async(twice())


def test_forking_off_launches_kernels_as_usual(tmp_path, monkeypatch):
    monkeypatch.setenv(forking.FORK_ENV, "0")

    async def launched() -> None:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        try:
            assert isinstance(km.provisioner.process, subprocess.Popen)
            assert (await run(km, "print('launched')")).strip() == "ok:launched"
        finally:
            await km.shutdown_kernel(now=True)

    run_async(launched())


def test_a_forked_kernel_is_listening_when_its_start_returns(tmp_path):
    """A client connecting before the kernel listens is refused, and ZeroMQ tries again only after
    100 ms: so start_kernel returns once the forked kernel has bound its ports."""
    import socket

    async def start() -> list[int]:
        km = manager()
        await km.start_kernel(cwd=str(tmp_path))
        try:
            assert isinstance(km.provisioner.process, ForkedProcess)
            refused = []
            for name in ("shell_port", "iopub_port"):
                with socket.socket() as probe:
                    refused.append(probe.connect_ex(("127.0.0.1", getattr(km, name))))
            return refused
        finally:
            await km.shutdown_kernel(now=True)

    assert run_async(start()) == [0, 0]
