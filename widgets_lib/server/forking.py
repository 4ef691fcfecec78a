"""Kernels forked from a warm template process (issue 18; README, "Sizing and settings").

A lesson kernel spends 1.5–3 s of CPU importing the same modules as every other kernel (IPython,
ipykernel, ipywidgets, the course's views, SQLAlchemy), and then holds them in memory of its own.
Here the server keeps one *template* process that has imported them once and does nothing else
(no thread, no socket, no zmq context, no event loop: nothing a fork would break), with its
garbage collector frozen so that reference counting touches as few shared pages as it can. Each
new kernel is forked from it and runs ipykernel's ordinary application with its connection file,
so it starts in milliseconds and shares the template's pages copy-on-write.

:class:`ForkingProvisioner` is a jupyter_client kernel provisioner (entry point
``course-forking-provisioner``, chosen by ``KernelProvisionerFactory.default_provisioner_name``),
the supported place to change how a kernel process is made: restarts, interrupts (the kernel is a
process group leader, as launched kernels are), shutdown, culling, the memory ceiling and the
kernel-owner rule work as before. A kernel command it does not recognise, a template that cannot
start, or a machine without ``fork`` falls back to the ordinary launch, said once in the log; a
template that dies is started again at the next kernel.

The forked kernel is the server's child, not the template's: the template forks a short-lived
child, which forks the kernel and exits, and the server is the "child subreaper" (Linux
``prctl``), so the orphaned kernel is re-parented to it and the server can wait for it and read
its exit status as it does for a launched kernel.

Run as a module (``python -m widgets_lib.server.forking --template FD``) it is the template.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import ctypes.util
import gc
import importlib
import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

log = logging.getLogger("Voila")  # the server's own log

FORK_ENV = "COURSE_FORK_KERNELS"  # "0" turns forking off
PROVISIONER_NAME = "course-forking-provisioner"
# What every lesson kernel imports before its first cell has finished: ipykernel's application
# and kernel, IPython, the widgets, and the course's lesson view (which brings the store).
# Modules only some lessons need (pandas, numpy, networkx, the plotting library) are left to the
# kernels that import them, so they cost nothing elsewhere.
TEMPLATE_IMPORTS = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.comm",
    "ipykernel.iostream",
    "ipykernel.heartbeat",
    "ipykernel.debugger",  # imported by every kernel's start (debugpy): 0.1 s of the 0.17 s
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "IPython.display",
    "jupyter_client.session",
    "comm",
    "ipywidgets",
    "widgets_lib.views.lesson",
    "widgets_lib.views.common",
    "widgets_lib.visit",
    "websockets.asyncio.client",  # how a pre-heated kernel learns its visitor (visit.py)
    "websockets.legacy.client",
    "sqlite3",
    "sqlalchemy.dialects.sqlite",
    "setproctitle",
)
READY = b"ready\n"
# A lesson page has no input history to keep: without it a kernel opens no SQLite file (one file
# shared by every kernel of the server) and starts no thread to write it.
KERNEL_ARGS = ("--HistoryManager.enabled=False",)
LISTEN_WAIT_S = 5.0  # the most a kernel's start waits for the forked kernel to listen
START_TIMEOUT_S = 60.0
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NAME = 15
# A forked kernel's command line is the template's; its name (``ps -o comm``, psutil's name())
# tells it apart for operators and the benchmarks.
KERNEL_PROCESS_NAME = "course-kernel"


def enabled() -> bool:
    """Forking is on unless ``COURSE_FORK_KERNELS=0``, and only where ``fork`` exists."""
    return os.environ.get(FORK_ENV, "1").strip() != "0" and hasattr(os, "fork")


def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux); False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except OSError:
        return False


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _name_process(name: str) -> None:
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
        except OSError:
            pass


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments of ipykernel's application in a kernel command, or None when the command is
    not ``<this python> -m ipykernel_launcher …`` (another interpreter or kernel: launched as
    usual)."""
    try:
        at = cmd.index("-m")
    except ValueError:
        return None
    if at + 1 >= len(cmd) or cmd[at + 1] != "ipykernel_launcher":
        return None
    python = cmd[0]
    same = python in ("python", "python3") or _same_file(python, sys.executable)
    return list(cmd[at + 2 :]) if same else None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class ForkedProcess:
    """The parts of :class:`subprocess.Popen` that jupyter_client uses, for a kernel forked from
    the template and adopted by this process (its subreaper)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        try:
            done, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # not (or no longer) ours to wait for: is it still there?
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
            except PermissionError:
                pass
            return self.returncode
        if done:
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Template:
    """The server's handle on its template process: started on first use, asked over a socket to
    fork one kernel at a time, started again if it has died."""

    _instance: Template | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.reader = None
        self.lock = threading.Lock()
        self.failed: str | None = None  # why forking is off for good, said once in the log
        self.started_in: float | None = None

    @classmethod
    def shared(cls) -> Template:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _start(self) -> None:
        self.close()
        if not become_subreaper():
            raise OSError("this system cannot adopt forked kernels (no child subreaper)")
        ours, theirs = socket.socketpair()
        t0 = time.monotonic()
        env = dict(os.environ)
        from .limits import KERNEL_THREAD_ENV

        for name, value in KERNEL_THREAD_ENV.items():  # as every kernel gets (limits.py)
            env.setdefault(name, value)
        # debugpy, imported here once, warns at import that Python's frozen modules may hide
        # breakpoints; no one debugs a course kernel.
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "widgets_lib.server.forking",
                "--template",
                str(theirs.fileno()),
            ],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        theirs.close()
        ours.settimeout(START_TIMEOUT_S)
        reader = ours.makefile("rb")
        try:
            line = reader.readline()
        except OSError as exc:
            process.kill()
            raise OSError(f"the kernel template did not start ({exc})") from exc
        if line != READY:
            process.kill()
            raise OSError(f"the kernel template did not start (it said {line[:200]!r})")
        ours.settimeout(None)
        self.process, self.sock, self.reader = process, ours, reader
        self.started_in = time.monotonic() - t0
        log.info(
            "Course: kernel template ready in %.1f s (pid %d); kernels are forked from it",
            self.started_in,
            process.pid,
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the template now (the server does this at start, so the first kernels need not
        wait for its imports)."""
        with self.lock:
            if not self.alive():
                self._start()

    def fork(self, args: list[str], env: dict[str, str], cwd: str) -> int:
        """Fork one kernel running ipykernel's application with ``args``; its pid."""
        with self.lock:
            if not self.alive():
                if self.process is not None:
                    log.warning("Course: the kernel template had stopped; starting it again")
                self._start()
            request = json.dumps({"args": args, "env": env, "cwd": cwd}).encode() + b"\n"
            try:
                self.sock.sendall(request)  # type: ignore[union-attr]
                reply = json.loads(self.reader.readline() or b"{}")  # type: ignore[union-attr]
            except (OSError, ValueError) as exc:
                self.close()
                raise OSError(f"the kernel template did not answer ({exc})") from exc
        if "pid" not in reply:
            raise OSError(f"the kernel template could not fork: {reply.get('error', 'no reply')}")
        return int(reply["pid"])

    def close(self) -> None:
        for closable in (self.reader, self.sock):
            if closable is not None:
                try:
                    closable.close()
                except OSError:
                    pass
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = self.sock = self.reader = None


class ForkingProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel process forked from the template
    (:class:`Template`) instead of launched; everything else is the local provisioner's."""

    _said_fallback = False

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        args = kernel_arguments(cmd) if enabled() else None
        template = Template.shared()
        if args is None or template.failed:
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        cwd = str(kwargs.get("cwd") or Path.cwd())
        loop = asyncio.get_running_loop()
        try:
            pid = await loop.run_in_executor(None, template.fork, args, env, cwd)
        except OSError as exc:
            if not template.alive():
                template.failed = str(exc)
            if not ForkingProvisioner._said_fallback:
                ForkingProvisioner._said_fallback = True
                log.warning("Course: kernels are launched, not forked: %s", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid  # the kernel leads its own process group (setsid)
        self.cwd = cwd
        await self._listening()
        return self.connection_info

    async def _listening(self, most_s: float = LISTEN_WAIT_S) -> None:
        """Return once the forked kernel listens on its shell and iopub ports (it binds them 0.03-0.05 s
        after the fork), at once if it has ended, or after ``most_s``. A client that connects
        before the kernel listens is refused and ZeroMQ tries again only after its reconnect
        interval, 100 ms: half of what a forked kernel's start took (issue 18)."""
        info = self.connection_info
        if info.get("transport", "tcp") != "tcp":
            return
        host = info.get("ip") or "127.0.0.1"
        host = "127.0.0.1" if host in ("0.0.0.0", "*") else host  # noqa: S104 - where to connect
        loop = asyncio.get_running_loop()
        deadline = loop.time() + most_s
        for port in (info.get("shell_port"), info.get("iopub_port")):
            while port and loop.time() < deadline and self.process.poll() is None:
                try:
                    _reader, writer = await asyncio.open_connection(host, port)
                except OSError:
                    await asyncio.sleep(0.005)
                    continue
                writer.close()
                await writer.wait_closed()
                break


# -- the template process --------------------------------------------------------------------


def _preload() -> None:
    for name in TEMPLATE_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional module missing here: the kernel imports what it needs
            pass
    _warm_shell()


def _warm_shell() -> None:
    """Build and drop one kernel shell, so what its first construction does once per process
    (IPython's lazy imports and compiled patterns, traitlets' class set-up) is done here and
    shared, not redone in every kernel: it makes no thread, socket or ZeroMQ context."""
    import atexit

    try:
        from ipykernel.zmqshell import ZMQInteractiveShell
        from traitlets.config import Config
    except ImportError:
        return
    config = Config()
    config.HistoryManager.enabled = False
    shell = ZMQInteractiveShell(config=config)
    atexit.unregister(shell.atexit_operations)
    ZMQInteractiveShell.clear_instance()


def _run_kernel(args: list[str], env: dict[str, str], cwd: str, first_parent: int) -> None:
    """In the forked kernel: become the process that ``python -m ipykernel_launcher ARGS`` in
    ``cwd`` with ``env`` would have been, run it, and exit."""
    code = 1
    try:
        # Wait (briefly) to be adopted by the server, so ipykernel's parent poller sees the server
        # as this kernel's parent and ends the kernel when the server goes.
        adopted_by = time.monotonic() + 1.0
        while os.getppid() == first_parent and time.monotonic() < adopted_by:
            time.sleep(0.001)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            handler = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
            signal.signal(signum, handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.path[0] = cwd
        from ipykernel import kernelapp

        # ipykernel read JPY_PARENT_PID when it was imported (in the template), so the server
        # whose death must end this kernel (its parent poller) is given on the command line.
        parent = f"--IPKernelApp.parent_handle={int(env.get('JPY_PARENT_PID') or 0)}"
        launcher = importlib.util.find_spec("ipykernel_launcher")
        sys.argv = [
            launcher.origin if launcher else "ipykernel_launcher",
            parent,
            *KERNEL_ARGS,
            *args,
        ]
        code = 0
        app = kernelapp.IPKernelApp.instance()
        app.initialize(sys.argv[1:])
        # Modules that register with the running kernel when they are imported did so in the
        # template, where there was none: ipywidgets' comm targets ("jupyter.widget" and the
        # page's "jupyter.widget.control", without which the page asks for each widget in turn).
        if "ipywidgets" in sys.modules:
            sys.modules["ipywidgets"].register_comm_target()
        app.start()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - a kernel that fails says why on stderr, as launched ones do
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _show_as_kernel(args: list[str]) -> None:
    """Name this process as a kernel, and give it the command line a launched kernel would show
    (ps, operators' scripts, the tests that find a kernel by its connection file), marked as
    forked."""
    import setproctitle

    _name_process(KERNEL_PROCESS_NAME)
    setproctitle.setproctitle(
        " ".join([sys.executable, "-m", "ipykernel_launcher", *args, "(forked)"])
    )


def _fork_kernel(sock: socket.socket, request: dict) -> int:
    """Fork a short-lived child that forks the kernel and exits at once, so that the kernel is
    adopted by the server (the subreaper); the kernel's pid, which it sends itself once it leads
    its own process group (the pipe ends when both have closed it)."""
    r, w = os.pipe()
    child = os.fork()
    if child == 0:  # the short-lived child
        try:
            os.close(r)
            sock.close()
            short_lived = os.getpid()
            kernel = os.fork()
            if kernel == 0:
                # Its own process group (interrupts and shutdown reach only it) before the server
                # hears of it: the server may signal the group at once.
                os.setsid()
                _show_as_kernel(request["args"])
                os.write(w, str(os.getpid()).encode())
                os.close(w)
                _run_kernel(request["args"], request["env"], request["cwd"], short_lived)
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        text = pipe.read()
    os.waitpid(child, 0)
    return int(text)


def template_main(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    # Until a kernel is forked, SIGINT belongs to the server (Ctrl-C in its terminal).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _preload()
    gc.collect()
    gc.freeze()  # the imported objects stay put: collections in kernels leave their pages shared
    sock.sendall(READY)
    buffer = b""
    while True:
        data = sock.recv(1 << 20)
        if not data:
            return  # the server has gone
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                reply = {"pid": _fork_kernel(sock, json.loads(line))}
            except Exception as exc:  # noqa: BLE001 - said to the server, which launches instead
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            sock.sendall(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--template":
        template_main(int(sys.argv[2]))
    else:
        sys.exit("usage: python -m widgets_lib.server.forking --template FD")
