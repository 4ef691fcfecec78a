"""How many kernels the course's server runs, and how much memory each may take.

Every request for a lesson gets a kernel (a pre-heated one or a new one), and an abandoned request's
kernel lives until the culler frees it, 9–10 minutes later: 50 requests from one address, 10 at a
time, each abandoned after 10 s, took the server from 31 to 77 kernels and from 4.9 to 10.4 GB
(issue 15). So:

* :class:`CourseVoilaHandler` (Voila's page handler for ``/voila/render/<notebook>``) refuses a
  request with the plain "busy" page (HTTP 503, ``Retry-After``, reloading itself) when the
  visitor's address already holds ``COURSE_KERNELS_PER_CLIENT`` kernels, or the server
  ``COURSE_MAX_KERNELS`` (pre-heated kernels count; the pools' own refills are never refused);
* :class:`CeilingKernelManager` starts every kernel with a data-size ceiling,
  ``COURSE_KERNEL_MEMORY_MB``: past it an allocation fails with ``MemoryError`` inside the kernel
  (shown to the learner as a plain sentence by ``widgets_lib.views.common.guarded``) instead of
  the kernel growing until the machine swaps or the kernel is killed.
"""

from __future__ import annotations

import os
import resource
from collections import Counter

from jupyter_core.utils import ensure_async
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from tornado import web
from traitlets import Unicode
from voila.tornado.handler import TornadoVoilaHandler

from .headers import client_address

# A lesson kernel's resident memory once a visitor has used it: 5.5 GB for the 46 kernels that 46
# abandoned requests started (issue 15), ≈ 120 MB each; a pre-heated kernel holds ≈ 85 MB.
KERNEL_MB = 120
# A kernel forked from the template (forking.py) shares the template's pages: 29 MB of its own
# with a learner working in it (bench/class_load.py, 30 learners); twice that leaves room to grow.
FORKED_KERNEL_MB = 60
RESERVED_MB = 1024  # the server itself, the database, the system
# A workshop room reaches the course from one address: 30 participants with a lesson and the
# next one open each hold about 60 kernels. One attacker at that cap still leaves two thirds of a
# 24 GB machine's ≈190 kernels to everyone else; culling and tab-close shutdown free the rest.
DEFAULT_PER_CLIENT = 60
# A lesson kernel's data segment (VmData: heap, thread stacks, numpy's buffers) on 2 cores is
# 160–260 MB (measured over every lesson and the dashboard) with resident memory ≈ 85–95 MB.
# Address space (VmSize) is ≈ 1 GB for the same kernels and grows with every thread's reserved
# arenas, so RLIMIT_AS would refuse ordinary kernels on machines with more cores: the ceiling
# is on the data segment (RLIMIT_DATA), four times a normal kernel's.
DEFAULT_KERNEL_MEMORY_MB = 1024
# numpy's OpenBLAS starts one thread per core, each with its own stack and buffer (≈ 42 MB of
# data segment per thread, measured): with many cores a kernel would need more than the ceiling
# before a learner did anything. The course does no heavy algebra, and dozens of kernels share
# the cores anyway: one thread each (unless the operator set these).
KERNEL_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
RETRY_AFTER_S = 60
BUSY_MESSAGE = "The course is busy; this page will try again in a minute"


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise SystemExit(f"{name}: {text!r} should be a whole number") from None


def memory_total_mb() -> int:
    """This machine's memory in MB (0 when the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        return 0


def max_kernels() -> int:
    """``COURSE_MAX_KERNELS``, by default as many kernels of ``COURSE_KERNEL_MB`` (60 MB forked,
    120 MB launched) as fit in this machine's memory once 1 GB is kept for the server and the
    system (≈ 390 forked, 190 launched, on 24 GB)."""
    from .forking import enabled

    per_kernel = max(_env_int("COURSE_KERNEL_MB", FORKED_KERNEL_MB if enabled() else KERNEL_MB), 1)
    fit = (memory_total_mb() - RESERVED_MB) // per_kernel
    return _env_int("COURSE_MAX_KERNELS", max(fit, 10))


def kernels_per_client() -> int:
    """``COURSE_KERNELS_PER_CLIENT``: kernels one address may hold (default 60; 0 = no cap)."""
    return _env_int("COURSE_KERNELS_PER_CLIENT", DEFAULT_PER_CLIENT)


def kernel_memory_mb() -> int:
    """``COURSE_KERNEL_MEMORY_MB``: the ceiling on each kernel's data segment (0 = none)."""
    return _env_int("COURSE_KERNEL_MEMORY_MB", DEFAULT_KERNEL_MEMORY_MB)


class KernelCaps:
    """Whose kernels are alive, and whether one more request may have a kernel.

    A request holds a place from the moment it is let in until its kernel is known (starting a
    kernel takes seconds, and ten requests sent at once must not all pass a cap of three); then
    the kernel counts for its visitor's address until it is shut down or culled."""

    def __init__(self, per_client: int, total: int) -> None:
        self.per_client = per_client
        self.total = total
        self.owners: dict[str, str] = {}  # kernel id -> the client address that was given it
        self.waiting: Counter[str | None] = Counter()  # requests let in, kernel not yet known

    def _forget_gone(self, live: set[str]) -> None:
        for gone in [k for k in self.owners if k not in live]:
            del self.owners[gone]

    def admit(self, client: str | None, live: set[str]) -> str | None:
        """Why a request from ``client`` is refused (for the log), or None and it takes a place.
        ``client`` None (a request from this machine itself, or from a trusted proxy that did not
        say for whom) is under the total cap only."""
        self._forget_gone(live)
        if self.total > 0 and len(live) + sum(self.waiting.values()) >= self.total:
            return f"the server runs {len(live)} kernels (COURSE_MAX_KERNELS={self.total})"
        if client is not None and self.per_client > 0:
            held = sum(owner == client for owner in self.owners.values()) + self.waiting[client]
            if held >= self.per_client:
                return (
                    f"{held} kernels for one address (COURSE_KERNELS_PER_CLIENT={self.per_client})"
                )
        self.waiting[client] += 1
        return None

    def given(self, client: str | None, kernel_id: str | None) -> None:
        """The request let in by :meth:`admit` got ``kernel_id`` (None: it ended without one)."""
        self.waiting[client] -= 1
        if self.waiting[client] <= 0:
            del self.waiting[client]
        if kernel_id is not None and client is not None:
            self.owners[kernel_id] = client


class _Recording:
    """The kernel manager as one page request sees it: notes which kernel the request was given."""

    def __init__(self, manager, on_kernel) -> None:
        self._manager = manager
        self._on_kernel = on_kernel

    def __getattr__(self, name: str):
        return getattr(self._manager, name)

    async def get_rendered_notebook(self, *args, **kwargs):
        render_task, rendered_cache, kernel_id = await self._manager.get_rendered_notebook(
            *args, **kwargs
        )
        self._on_kernel(kernel_id)
        return render_task, rendered_cache, kernel_id

    async def start_kernel(self, *args, **kwargs):
        kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
        self._on_kernel(kernel_id)
        return kernel_id


class CourseVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler, which refuses a kernel beyond the caps with the busy page.

    Registered by :class:`widgets_lib.server.serve` in place of Voila's for
    ``/voila/render/<notebook>``; everything else is Voila's own."""

    caps: KernelCaps | None = None  # one for the server, made on the first request
    _admitted = False  # this request was let in: note the kernel it is given
    _kernel_id: str | None = None

    @classmethod
    def _caps(cls) -> KernelCaps:
        if CourseVoilaHandler.caps is None:
            CourseVoilaHandler.caps = KernelCaps(kernels_per_client(), max_kernels())
        return CourseVoilaHandler.caps

    @property
    def kernel_manager(self):
        manager = super().kernel_manager
        return _Recording(manager, self._note_kernel) if self._admitted else manager

    def _note_kernel(self, kernel_id: str) -> None:
        self._kernel_id = kernel_id

    @web.authenticated
    async def get(self, path=None):
        if not (path or "").endswith(".ipynb"):
            return await super().get(path)  # Voila redirects it to /voila/files/: no kernel
        caps = self._caps()
        client = client_address(self.request)
        live = set(super().kernel_manager.list_kernel_ids())
        refused = caps.admit(client, live)
        if refused:
            self.log.warning("Course: busy page for %s: %s", client or "this machine", refused)
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_AFTER_S))
            self.set_header("Cache-Control", "no-store")
            self.finish(self.render_template("busy.html", retry_after=RETRY_AFTER_S))
            return
        self._admitted = True
        try:
            await super().get(path)
        finally:
            caps.given(client, self._kernel_id)


class CeilingKernelManager(ServerKernelManager):
    """Jupyter Server's kernel manager, starting each kernel with the course's memory ceiling
    (``MappingKernelManager.kernel_manager_class``; jupyter_client documents ``_async_launch_kernel``
    as the method to override to launch kernels differently).

    It also carries ``traceback_replacement_message``: with ``allow_tracebacks`` off, Jupyter
    Server (2.21) reads that from the kernel's own manager, where it does not exist, instead of
    from the mapping manager; the AttributeError broke the kernel's websocket stream at the first
    error, and the page stopped hearing from its kernel."""

    traceback_replacement_message = Unicode(
        "An error occurred; it is not shown for security reasons.",
        config=True,
        help="What a visitor gets instead of a traceback over a kernel's websocket.",
    )

    async def _async_launch_kernel(self, kernel_cmd, **kw) -> None:
        env = kw.get("env")
        if env is not None:
            for name, value in KERNEL_THREAD_ENV.items():
                env.setdefault(name, os.environ.get(name, value))
        await super()._async_launch_kernel(kernel_cmd, **kw)
        limit_mb = kernel_memory_mb()
        pid = getattr(getattr(self.provisioner, "process", None), "pid", None)
        if limit_mb > 0 and pid:
            limit = limit_mb * 2**20
            # Set from outside at once (prlimit), before the kernel has imported anything: no
            # code of ours runs in the forked child, which is unsafe in a threaded server.
            resource.prlimit(pid, resource.RLIMIT_DATA, (limit, limit))


def course_voila_class():
    """Voila's application with the course's page handler (:class:`CourseVoilaHandler`), the
    partners' survey page (:mod:`~widgets_lib.server.survey_page`) and
    :class:`~widgets_lib.server.headers.SecurityHeaders` on every response; the rest is Voila's."""
    import voila.app

    from .headers import SecurityHeaders

    # Named as Voila's own: traitlets names the application's logger after its class, and the
    # log scrubber and the log's readers (tests, operators) know the "Voila" logger.
    class Voila(voila.app.Voila):
        def init_handlers(self) -> list:
            from .survey_page import survey_handlers  # partners' survey pages (issue 17)

            self.app.add_transform(SecurityHeaders)  # Voila has just made self.app
            return [
                *survey_handlers(self.server_url),
                *(
                    (rule[0], CourseVoilaHandler, *rule[2:])
                    if rule[1] is TornadoVoilaHandler
                    else rule
                    for rule in super().init_handlers()
                ),
            ]

    return Voila
