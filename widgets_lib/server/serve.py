"""Serve the course with Voila, configured for a cohort: ``python -m widgets_lib.server.serve``.

One place holds the serving configuration, used by ``make serve``, the tests, the
benchmarks and the JupyterHub deployment:

* home page = lesson 00 (the course template's tree page redirects there, keeping ``?learner=``);
* pre-heated kernels, ``COURSE_POOL_SIZE`` per lesson (default 3: a reload, Back and a new tab
  each find a warm one; forked kernels make them cheap), ``COURSE_COHORT_SIZE`` for the lessons
  a cohort opens together (``COURSE_TEACHING``, default 00), or per lesson in ``COURSE_POOLS``; a
  taken kernel is replaced at once unless a burst of visitors is already making kernels start,
  then after it (:class:`RefillPolicy`); a warning when the pools would not fit in memory;
* idle kernels culled after ``COURSE_CULL_IDLE_S`` seconds (default 540, checked every 30) once
  their tab is gone, so an abandoned kernel is gone within 10 minutes;
* each cell may run at most ``COURSE_CELL_TIMEOUT_S`` seconds (default 60), except the
  cell that waits for the visitor in a pre-heated kernel;
* tracebacks never reach visitors; the learner code is scrubbed from request logs;
* only the course template, which fetches nothing from other hosts.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from jupyter_server.auth.authorizer import AllowAllAuthorizer
from traitlets.config import Config

from ..network_io import MAX_UPLOAD_BYTES
from ..paths import course_dir, template_root
from .headers import SCRUBBED_PARAMS, header_settings, scrub

FRIENDLY_CELL_ERROR = (
    "This part of the page could not be shown. Your saved work is safe: please reload the page, "
    "and if it happens again tell your tutor."
)
HOME_PAGE = "/voila/render/00_welcome.ipynb"  # lesson 00, where every visitor starts
# What Voila's page sends over a kernel's websocket: the list standalone Voila uses (voila/app.py).
# Anything else, an ``execute_request`` above all, is dropped by the server.
ALLOWED_MESSAGE_TYPES = [
    "comm_open",
    "comm_close",
    "comm_msg",
    "comm_info_request",
    "kernel_info_request",
    "shutdown_request",
]
# The largest message a page may send over a kernel's websocket. Tornado's default (10 MiB) is
# below what an import may send (two files of network_io.MAX_FILE_BYTES in one message): a bigger
# message closed the connection, the upload was lost without a word, and the upload button stayed
# dead until the page was reloaded. 1 MiB on top is room for the message's own fields.
WEBSOCKET_MAX_BYTES = MAX_UPLOAD_BYTES + 2**20
# Jupyter Server extensions a participant's single-user server loads: Voila and nothing else.
SERVER_EXTENSIONS = {
    "voila": True,
    "jupyterlab": False,
    "notebook": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
}


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


# The cells that wait for the visitor's request in a pre-heated kernel: every lesson's last cell and
# the tutor dashboard's. Under the cell timeout, a kernel that waited longer than it for a visitor
# showed "Cell execution timed out" instead of the page.
WAITING_CELLS = ("lesson.finish()", "dashboard.finish()")
DEFAULT_POOL_SIZE = 3  # the visitor; their reload; their Back or new tab while the refill warms
KERNEL_MB = 85  # a pre-heated lesson kernel's resident memory: 82 MB median of 20, measured (README, Sizing)
FORKED_KERNEL_MB = (
    40  # a forked pre-heated kernel's own memory (PSS): 32-37 MB measured (class_load.py)
)


def cell_timeout(cell) -> int:
    """Seconds a cell may run: unlimited for the cell that waits for a visitor in a
    pre-heated kernel (it also loads their work, bounded by the database's busy
    timeout), ``COURSE_CELL_TIMEOUT_S`` for every other cell."""
    if any(waiting in cell.get("source", "") for waiting in WAITING_CELLS):
        return 0
    return _int_env("COURSE_CELL_TIMEOUT_S", 60)


def _log_request(handler) -> None:
    """Jupyter Server's request log, with learner codes and keys removed from URLs."""
    from jupyter_server.log import log_request

    log_request(handler, record_prometheus_metrics=False)


def written(record: logging.LogRecord) -> bool:
    """Whether a handler of the record's logger (or of those it propagates to) writes it.

    traitlets sets an application's logger to DEBUG and leaves the level to its handler, so every
    debug line (nbclient logs each kernel message while a pre-heated kernel runs its lesson) reached
    the course's log filters, which ran a regular expression over it only for it to be dropped: a
    sixth of the server's time while a class of 60 arrived (py-spy, issue 18)."""
    logger: logging.Logger | None = logging.getLogger(record.name)
    while logger is not None:
        if any(record.levelno >= handler.level for handler in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return record.levelno >= logging.lastResort.level if logging.lastResort else False


class ScrubSecrets(logging.Filter):
    """Remove learner codes and keys from any log line (tornado logs 4xx URLs in full), however
    their names are written (``%6Cearner=``: :func:`widgets_lib.server.headers.scrub`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not written(record):  # dropped by every handler anyway: nothing to scrub
            return True
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


class KernelOwners(AllowAllAuthorizer):
    """A kernel answers only the browser that first used it (Voila's ``authorizer_class``).

    Standalone Voila has no login: its kernel routes, ``/api/kernels/<id>`` and that kernel's
    websocket, let anyone who holds a kernel's id read its model and send widget messages into it,
    so a visitor who came by another's kernel id (it is in that visitor's page source) could press
    their buttons and read their work. Voila gives every browser a signed anonymous identity
    (a cookie); the first identity to use a kernel owns it and every other one gets 403. Under
    JupyterHub, :class:`widgets_lib.server.hub.CourseAuthorizer` decides instead.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.owners: dict[str, str] = {}  # kernel id -> the identity (cookie) that owns it

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        kernel_id = getattr(handler, "kernel_id", None) or handler.path_kwargs.get("kernel_id")
        if resource != "kernels" or not kernel_id:
            return True
        live = set(handler.kernel_manager.list_kernel_ids())
        for gone in [k for k in self.owners if k not in live]:
            del self.owners[gone]
        if kernel_id not in live:
            return True  # Jupyter Server answers 404
        visitor = getattr(user, "username", "")
        if self.owners.setdefault(kernel_id, visitor) != visitor:
            self.log.warning(
                "Course: refused %s %s to a browser that does not own the kernel",
                handler.request.method,
                handler.request.path,
            )
            return False
        return True


def install_log_scrubber() -> None:
    from .query_socket import ScrubKernelIds  # kernel ids opened Voila's side doors

    # The application logs as its class is named: "CourseVoila" (limits.course_voila_class).
    loggers = ("tornado.access", "tornado.general", "tornado.application", "ServerApp")
    for name in (*loggers, "Voila", "CourseVoila"):
        logging.getLogger(name).addFilter(ScrubSecrets())
        logging.getLogger(name).addFilter(ScrubKernelIds())


def pool_overrides(text: str | None = None) -> dict[str, int]:
    """Per-lesson pool sizes from ``COURSE_POOLS``, e.g. ``03_capacity_model.ipynb=30,04_draw_your_network.ipynb=5``.

    A tutor who is about to say "open lesson 3" to thirty people gives lesson 3 a pool of
    thirty and leaves the other lessons at the default.
    """
    text = os.environ.get("COURSE_POOLS", "") if text is None else text
    sizes: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        notebook, _, size = part.partition("=")
        try:
            sizes[notebook.strip()] = max(int(size), 0)
        except ValueError:
            raise SystemExit(
                f"COURSE_POOLS: {part!r} should look like 03_capacity_model.ipynb=30"
            ) from None
    return sizes


def cohort_pools(size: int | None = None, teaching: str | None = None) -> dict[str, int]:
    """Pools for a cohort arriving together: ``COURSE_COHORT_SIZE`` pre-heated kernels for each
    lesson in ``COURSE_TEACHING`` (numbers or file names, e.g. ``03`` or ``03,04``; default
    ``00``, where everyone starts). ``COURSE_POOLS`` still overrides any lesson."""
    from ..lessons import available

    size = _int_env("COURSE_COHORT_SIZE", 0) if size is None else size
    if size <= 0:
        return {}
    text = os.environ.get("COURSE_TEACHING", "00") if teaching is None else teaching
    files = {key: info.file for info in available() for key in (info.id, info.file)}
    pools: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key = part if part.endswith(".ipynb") else part.zfill(2)
        if key not in files:
            raise SystemExit(
                f"COURSE_TEACHING: no lesson {part!r}; use numbers such as 03 or 03,04"
            )
        pools[files[key]] = size
    return pools


def memory_warning(sizes: dict[str, int], default: int, lessons: int) -> str | None:
    """A warning when the pre-heated kernels would not fit in the memory available now."""
    kernels = sum(sizes.values()) + default * max(lessons - len(sizes), 0)
    from .forking import enabled

    need = kernels * (FORKED_KERNEL_MB if enabled() else KERNEL_MB)
    try:
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        available_mb = int(fields["MemAvailable"].split()[0]) // 1024
    except (OSError, KeyError, ValueError):
        return None
    if need <= 0.8 * available_mb:
        return None
    return (
        f"{kernels:,} pre-heated kernels need about {need:,} MB but only {available_mb:,} MB is "
        "available: lower COURSE_COHORT_SIZE / COURSE_POOLS or add memory (README, Sizing)."
    )


def voila_config(pool_size: int | None = None, preheat: bool = True) -> Config:
    """The course's Voila configuration as a traitlets Config."""
    pool = _int_env("COURSE_POOL_SIZE", DEFAULT_POOL_SIZE) if pool_size is None else pool_size
    c = Config()
    c.VoilaConfiguration.template = "course"
    c.VoilaConfiguration.theme = "light"
    # ?template=… or ?theme=… in an address would otherwise choose another template: an unknown
    # one left the request hanging and a kernel running, a known one showed Voila's own page.
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.allow_theme_override = "NO"
    c.VoilaConfiguration.preheat_kernel = preheat and pool > 0
    c.VoilaConfiguration.file_allowlist = [r".*\.(png|jpg|gif|svg)"]
    c.VoilaExecutor.timeout = _int_env("COURSE_CELL_TIMEOUT_S", 60)
    c.VoilaExecutor.timeout_func = cell_timeout
    c.VoilaExecutor.cell_error_instruction = FRIENDLY_CELL_ERROR
    c.VoilaExecutor.cell_timeout_instruction = FRIENDLY_CELL_ERROR
    # nbclient waits only 4 s for a cell's outputs after its reply, then drops them: when many
    # kernels fill their pools at once on 2 cores, widget outputs arrived later than that and
    # pages never finished loading ("Timeout waiting for IOPub output").
    c.VoilaExecutor.iopub_timeout = _int_env("COURSE_IOPUB_TIMEOUT_S", 60)
    pools: dict[str, dict] = {"default": {"pool_size": pool}}
    for notebook, size in {**cohort_pools(), **pool_overrides()}.items():
        pools[notebook] = {"pool_size": size}
    c.VoilaKernelManager.kernel_pools_config = pools
    fork_kernels(c)
    # Kernels talk to the server over Unix sockets: no TCP port to race for when many start
    # at once (with TCP, simultaneous starts sometimes died with "Address already in use").
    c.KernelManager.transport = "ipc"
    # How long a burst of visitors lasts for RefillPolicy: kernels taken by a burst are replaced
    # only after it (30 kernels started at once while 30 visitors wait took the CPU from them:
    # p95 12.7 s with no delay, 1.8 s with 20 s, bench/first_visits.py N=30).
    c.VoilaKernelManager.fill_delay = _int_env("COURSE_REFILL_DELAY_S", 20)
    # A closed tab's page shuts its kernel down (query_socket.py: standalone Voila refused it,
    # voila-dashboards/voila#1458); the culler frees a kernel whose tab crashed or never said
    # goodbye: 540 s idle, checked every 30 s, keeps that under 10 minutes.
    c.MappingKernelManager.cull_idle_timeout = _int_env("COURSE_CULL_IDLE_S", 540)
    c.MappingKernelManager.cull_interval = _int_env("COURSE_CULL_INTERVAL_S", 30)
    c.MappingKernelManager.cull_connected = False
    safe_kernels(c)
    c.Voila.authorizer_class = KernelOwners
    # Voila's log lines carry no time; an operator (and a failing test) needs to know when.
    c.Voila.log_format = "[%(name)s %(asctime)s.%(msecs)03d]%(highlevel)s %(message)s"
    c.Voila.log_datefmt = "%H:%M:%S"
    c.Voila.tornado_settings = {
        "log_function": _log_request,
        "extra_log_scrub_param_keys": list(SCRUBBED_PARAMS),
        "websocket_max_message_size": WEBSOCKET_MAX_BYTES,
        **header_settings(),  # security headers, SameSite cookies (widgets_lib/server/headers.py)
    }
    c.IdentityProvider.cookie_options = {"samesite": "Lax"}
    return c


def fork_kernels(c: Config) -> Config:
    """Kernels forked from a warm template process (``widgets_lib/server/forking.py``) unless
    ``COURSE_FORK_KERNELS=0``: they start in milliseconds and share the template's memory."""
    from .forking import PROVISIONER_NAME, enabled

    if enabled():
        c.KernelProvisionerFactory.default_provisioner_name = PROVISIONER_NAME
    return c


def safe_kernels(c: Config) -> Config:
    """Kernels under the memory ceiling, and no traceback reaching a visitor, in every mode
    (standalone, ``--plain``, JupyterHub).

    Each kernel starts under ``COURSE_KERNEL_MEMORY_MB`` (:class:`~widgets_lib.server.limits.
    CeilingKernelManager`). No traceback in a page (Voila's ``show_tracebacks``), nor over a
    kernel's websocket, where ipykernel publishes the traceback of a failed widget message
    handler as an iopub ``error`` (a wrong-typed value sent by a script showed the server's
    paths): Jupyter Server replaces it when ``allow_tracebacks`` is off, with the kernel
    manager's ``traceback_replacement_message``."""
    c.MappingKernelManager.kernel_manager_class = "widgets_lib.server.limits.CeilingKernelManager"
    c.VoilaConfiguration.show_tracebacks = False
    c.MappingKernelManager.allow_tracebacks = False
    c.CeilingKernelManager.traceback_replacement_message = FRIENDLY_CELL_ERROR
    return c


def prepare_environment() -> None:
    """Make the course template findable by Voila and its kernels."""
    root = str(template_root())
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([root, *paths])


def server_extension_config() -> Config:
    """The course as a Jupyter Server extension: a JupyterHub single-user server that offers the
    course and nothing else (``deploy/jupyter_server_config.py``).

    A single-user server is a whole Jupyter Server: anyone who could run code on it could read
    the database password in ``COURSE_DB_URL`` or pretend to be a tutor. So on top of the
    course's Voila settings (without pools, which exist only in standalone Voila) it switches off
    JupyterLab, the file tree, terminals and the language server, passes only widget messages
    over a kernel's websocket, and lets :class:`widgets_lib.server.hub.CourseAuthorizer` refuse every
    REST call but the ones Voila's page makes.
    """
    c = voila_config(preheat=False)
    # Each participant's server is a process of its own: a template there would share nothing
    # with other participants' kernels and only delay the first one, so kernels are launched.
    c.KernelProvisionerFactory.default_provisioner_name = "local-provisioner"
    c.ServerApp.tornado_settings = {
        **c.Voila.tornado_settings,  # the request log without learner codes
        # As standalone Voila: no MathJax. Unless both are None, Voila's page fetches it from a CDN.
        "mathjax_url": None,
        "mathjax_config": None,
    }
    c.ServerApp.root_dir = str(course_dir())
    c.ServerApp.default_url = HOME_PAGE
    c.ServerApp.jpserver_extensions = dict(SERVER_EXTENSIONS)
    c.ServerApp.terminals_enabled = False
    # Jupyter Server's own pages (404 for /lab or /tree, 403, 500) are the course's plain-language
    # ones, linking to the welcome page and fetching nothing from other hosts.
    c.ServerApp.extra_template_paths = [str(template_root() / "voila" / "templates" / "course")]
    c.ServerApp.authorizer_class = "widgets_lib.server.hub.CourseAuthorizer"
    c.MappingKernelManager.allowed_message_types = list(ALLOWED_MESSAGE_TYPES)
    c.MappingKernelManager.allow_tracebacks = False
    return c


def use_private_runtime_dir() -> str:
    """Point ``JUPYTER_RUNTIME_DIR`` at a new short private folder, removed when the process exits.

    The course's kernels talk to the server over Unix sockets (``KernelManager.transport = "ipc"``),
    whose paths may not exceed 107 characters, and
    ``~/.local/share/jupyter/runtime/kernel-<uuid>-ipc-N`` does with a long home folder.
    Call it before the server starts its first kernel.
    """
    runtime = tempfile.mkdtemp(prefix="course-kernels-")  # mode 0700
    atexit.register(shutil.rmtree, runtime, True)
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    return runtime


# More kernels than this taken within BURST_S seconds is a class arriving, not one person.
PERSON_TAKES = 3
BURST_S = 10.0


def open_files() -> int:
    """Raise this process's limit of open files to the most the system allows it, and return it.

    The server holds several sockets per kernel (its control channel, and each page's shell,
    iopub, stdin and control channels): a class of 200 needs more than many systems' default of
    1,024 open files."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return 65536 if soft == resource.RLIM_INFINITY else soft


def roomy(context) -> None:
    """Let a ZeroMQ context open as many sockets as the process may open files.

    A context opens at most 1,023 sockets unless told otherwise before its first one: the kernel
    manager's shared context ran out with a class of 200 ("Too many open files", 57 learners
    failed; bench/class_load.py)."""
    import zmq

    context.set(zmq.MAX_SOCKETS, min(open_files(), 65536))


class RefillPolicy:
    """When to replace pre-heated kernels that visitors have taken.

    Voila replaces a taken kernel after ``fill_delay`` seconds and puts a placeholder in the pool at
    once: a visitor who reloads, goes Back or opens the lesson again within that time got the
    placeholder and waited for the delay and a kernel start (20–22 s, issue 13). A person alone
    needs the replacement now, while a class arriving at once needs the CPU for its own pages
    and saves: the server itself runs each warming kernel's lesson and reads every message it
    sends, so 154 replacements started together while 200 learners arrived (issue 18) held the
    pages for 50 s and failed 126 of them. So:

    * a taken kernel is replaced at once while fewer than ``most_warming`` kernels are starting
      and at most :data:`PERSON_TAKES` were taken in the last :data:`BURST_S` seconds (one
      person's visit, reload and Back);
    * otherwise (a class arriving, or learners keeping the processors busy) replacements wait
      until no kernel has been taken for ``fill_delay`` seconds and the processors have had a
      spare moment, and then start ``most_warming`` at a time, each one that is warm starting the
      next, so a pool of 200 refills in the background instead of all at once. A visitor who finds
      the pool empty meanwhile gets a fresh kernel (a forked one starts in under half a second).
    """

    def __init__(self, most_warming: int = 2, busy_share: float = 0.7) -> None:
        self.most_warming = most_warming
        self.busy_share = busy_share  # the share of the processors' time that is "busy"
        self._last: tuple[float, float] | None = _cpu_times()

    def now(self, warming: int, recent_takes: int = 1) -> bool:
        """True when the replacement should start now, ``warming`` kernels being on their way and
        ``recent_takes`` kernels of this lesson taken in the last :data:`BURST_S` seconds (this one
        included): one person opens a page, reloads it or goes Back a few times a minute, a class
        arriving at a lesson takes several a second."""
        return warming < self.most_warming and recent_takes <= PERSON_TAKES

    def busy(self) -> bool:
        """True when the processors were busier than ``busy_share`` since the last question
        (Linux's /proc/stat; never busy where it cannot be read)."""
        times = _cpu_times()
        last, self._last = self._last, times
        if times is None or last is None or times[0] <= last[0]:
            return False
        return 1 - (times[1] - last[1]) / (times[0] - last[0]) > self.busy_share


def _cpu_times() -> tuple[float, float] | None:
    """(all, idle) processor time since boot, in the kernel's ticks, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [float(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0.0)


def course_kernel_manager_factory(
    base_class, preheat_kernel: bool, default_pool_size: int, **kwargs
):
    """Voila's kernel manager with the course's :class:`RefillPolicy` (used by :func:`main`).

    Voila builds its kernel manager class with ``voila.app.voila_kernel_manager_factory`` and
    offers no setting for the refill; this wraps that factory and subclasses what it returns,
    overriding only ``fill_if_needed`` (tests/unit/test_serve.py fails if Voila renames either)."""
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from .query_socket import keyed_kernel_manager

    if preheat_kernel:  # each pre-heated kernel gets the key to its own request socket
        base_class = keyed_kernel_manager(base_class)
    voila_class = voila_kernel_manager_factory(
        base_class, preheat_kernel, default_pool_size, **kwargs
    )
    if not preheat_kernel:
        return voila_class

    class CourseKernelManager(voila_class):
        def __init__(self, **kw) -> None:
            self.refill: RefillPolicy | None = None  # Voila's __init__ fills every pool first
            self._deferred: set[str] = set()
            self._takes: dict[str, list[float]] = {}  # per lesson: when its kernels were taken
            super().__init__(**kw)  # schedules the pools' kernels; no socket exists yet
            roomy(self.context)
            self.refill = RefillPolicy()

        def _warming(self) -> int:
            return sum(not task.done() for pool in self._pools.values() for task in pool)

        def fill_if_needed(self, delay=None, notebook_name=None, **kw) -> None:
            if delay is not None or self.refill is None or notebook_name is None:
                return super().fill_if_needed(delay=delay, notebook_name=notebook_name, **kw)
            now = time.monotonic()  # Voila asks after each kernel of this lesson it hands out
            takes = [t for t in self._takes.get(notebook_name, []) if now - t < BURST_S] + [now]
            self._takes[notebook_name] = takes
            if self.refill.now(self._warming(), len(takes)):
                self._top_up(notebook_name, **kw)
            else:
                self._later(notebook_name, self.fill_delay, **kw)
            return None

        def _later(self, notebook_name: str, delay: float, **kw) -> None:
            """Top the pool up after ``delay`` seconds (once, however often it is asked)."""
            if notebook_name in self._deferred:
                return
            self._deferred.add(notebook_name)

            def run() -> None:
                self._deferred.discard(notebook_name)
                quiet = time.monotonic() - max(self._takes.get(notebook_name, [0.0]))
                if quiet < self.fill_delay:  # kernels are still being taken: a class arriving
                    self._later(notebook_name, self.fill_delay - quiet, **kw)
                elif self.refill is not None and self.refill.busy():
                    self._later(notebook_name, 5.0, **kw)
                else:
                    self._top_up(notebook_name, **kw)

            asyncio.get_event_loop().call_later(max(delay, 0.5), run)

        def _top_up(self, notebook_name: str, **kw) -> None:
            """Start replacements for the pool's taken kernels, at most ``most_warming`` kernels
            warming at once; each that finishes asks for the next (through :meth:`_later`)."""
            config = self.kernel_pools_config
            own = config.get(notebook_name, config.get("default", {}))
            pool = self._pools.get(notebook_name, [])
            missing = own.get("pool_size", 1) - len(pool)
            count = min(missing, max(self.refill.most_warming - self._warming(), 0))
            if count <= 0:
                if missing > 0:
                    self._later(notebook_name, 2.0, **kw)
                return
            # Voila's fill_if_needed starts every missing kernel: ask it for ``count`` more.
            self.kernel_pools_config = {
                **config,
                notebook_name: {**own, "pool_size": len(pool) + count},
            }
            try:
                super().fill_if_needed(delay=0, notebook_name=notebook_name, **kw)
            finally:
                self.kernel_pools_config = config
            if missing > count:
                for task in self._pools.get(notebook_name, [])[-count:]:
                    task.add_done_callback(lambda _task: self._later(notebook_name, 0, **kw))

    return CourseKernelManager


def use_course_kernel_manager() -> None:
    """Make the Voila application build its kernel manager with the course's refill policy."""
    import voila.app

    voila.app.voila_kernel_manager_factory = course_kernel_manager_factory


class SharedTemplates:
    """Compiled page templates kept for every page the server renders (a Jinja bytecode cache).

    Voila renders each pre-heated kernel's page with an exporter of its own, and each exporter's
    Jinja environment compiled the course's templates again: a fifth of the server's time while a
    class of 60 arrived (py-spy, issue 18). Templates are keyed by their name, file and source
    (Jinja checks the source's checksum), and by whether the environment renders asynchronously,
    the one setting of nbconvert's environments that changes the compiled code."""

    def __init__(self) -> None:
        import jinja2

        class Cache(jinja2.BytecodeCache):
            def __init__(self) -> None:
                self.codes: dict[str, bytes] = {}

            def load_bytecode(self, bucket) -> None:
                code = self.codes.get(bucket.key)
                if code is not None:
                    bucket.bytecode_from_string(code)

            def dump_bytecode(self, bucket) -> None:
                self.codes[bucket.key] = bucket.bytecode_to_string()

        self.caches = {True: Cache(), False: Cache()}

    def install(self) -> None:
        """Give every environment nbconvert creates in this process the shared cache."""
        from nbconvert.exporters.templateexporter import TemplateExporter

        create = getattr(TemplateExporter, "_create_environment", None)
        if create is None or getattr(create, "shared_templates", None) is not None:
            return  # an nbconvert without it renders as before (test_serve.py says so)
        caches = self.caches

        def shared(exporter):
            environment = create(exporter)
            environment.bytecode_cache = caches[bool(environment.is_async)]
            return environment

        shared.shared_templates = self
        shared.__wrapped__ = create
        TemplateExporter._create_environment = shared


READY_MESSAGE = "Course: all {count} pre-heated kernels are warm, ready for visitors"


def announce_when_warm(expected: int, interval: float = 2.0) -> threading.Thread:
    """Say in the log when every pre-heated kernel is warm, once.

    Voila logs "Kernel pool of … is filled" as soon as a pool's kernels have started; each then
    still runs its lesson up to the cell that waits for its visitor, which for dozens of kernels on
    2 cores takes minutes. A warm kernel is one waiting on Voila's request-info socket, so when as
    many are waiting as the pools hold, the server is ready for a class."""
    from voila.request_info_handler import RequestInfoSocketHandler

    log = logging.getLogger("Voila")  # the server's own log, with the time

    def watch() -> None:
        while len(RequestInfoSocketHandler._waiters) < expected:
            time.sleep(interval)
        log.warning(READY_MESSAGE.format(count=expected))

    thread = threading.Thread(target=watch, name="course-warm", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=_int_env("PORT", 8866))
    parser.add_argument("--ip", default=os.environ.get("COURSE_IP", "127.0.0.1"))
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="pre-heated kernels per lesson (default COURSE_POOL_SIZE or 1; 0 = plain Voila)",
    )
    parser.add_argument(
        "--cohort-size",
        type=int,
        default=None,
        help="people who will open a lesson at the same moment (COURSE_COHORT_SIZE)",
    )
    parser.add_argument(
        "--teaching",
        default=None,
        help="lessons they will open together, e.g. 03 or 03,04 (COURSE_TEACHING; default 00)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="Voila's defaults (no pre-heating, default template) for comparison",
    )
    parser.add_argument("--notebook-dir", default=str(course_dir()))
    args, extra = parser.parse_known_args(argv)
    if args.cohort_size is not None:
        os.environ["COURSE_COHORT_SIZE"] = str(args.cohort_size)
    if args.teaching is not None:
        os.environ["COURSE_TEACHING"] = args.teaching
    prepare_environment()
    install_log_scrubber()
    from .limits import course_voila_class

    voila_argv = [
        args.notebook_dir,
        f"--port={args.port}",
        f"--Voila.ip={args.ip}",
        "--no-browser",
        *extra,
    ]
    if args.plain:
        course_voila_class().launch_instance(argv=voila_argv, config=safe_kernels(Config()))
        return
    config = voila_config(args.pool_size)
    from .wakeups import recheck_kernel_messages

    recheck_kernel_messages()  # a kernel's reply ZeroMQ does not announce must not stall a page
    use_course_kernel_manager()
    SharedTemplates().install()
    from .query_socket import use_course_handlers

    use_course_handlers()
    pools = config.VoilaKernelManager.kernel_pools_config
    from ..lessons import available

    warning = memory_warning(
        {k: v["pool_size"] for k, v in pools.items() if k != "default"},
        pools["default"]["pool_size"],
        len(available()) + 1,
    )  # + the dashboard
    if warning:
        logging.getLogger("widgets_lib").warning(warning)
    root = Path(args.notebook_dir)
    notebooks = [
        nb.relative_to(root).as_posix()
        for nb in root.rglob("*.ipynb")
        if not any(part.startswith(".") for part in nb.relative_to(root).parts)
    ]
    expected = sum(pools.get(nb, pools["default"])["pool_size"] for nb in notebooks)
    if expected:
        announce_when_warm(expected)
    course_voila_class().launch_instance(argv=voila_argv, config=config)


if __name__ == "__main__":
    main(sys.argv[1:])
