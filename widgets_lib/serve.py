"""Serve the course with Voila, configured for a cohort: ``python -m widgets_lib.serve``.

One place holds the serving configuration, used by ``make serve``, the tests, the
benchmarks and the JupyterHub deployment:

* home page = lesson 00 (the course template's tree page redirects there, keeping ``?learner=``);
* pre-heated kernels, ``COURSE_POOL_SIZE`` per lesson (default 1) or per lesson in
  ``COURSE_POOLS``, refilled after use;
* idle kernels culled after ``COURSE_CULL_IDLE_S`` seconds (default 600) once their tab is gone;
* each cell may run at most ``COURSE_CELL_TIMEOUT_S`` seconds (default 60), except the
  cell that waits for the visitor in a pre-heated kernel;
* tracebacks never reach visitors; the learner code is scrubbed from request logs;
* only the course template, which fetches nothing from other hosts.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from traitlets.config import Config

from .paths import course_dir, template_root

FRIENDLY_CELL_ERROR = (
    "This part of the page could not be shown. Your saved work is safe: please reload the page, "
    "and if it happens again tell your tutor."
)
SCRUBBED_PARAMS = ["learner", "cohort", "tutor", "key"]


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


WAITING_CELL = "lesson.finish()"


def cell_timeout(cell) -> int:
    """Seconds a cell may run: unlimited for the cell that waits for a visitor in a
    pre-heated kernel (it also loads their work, bounded by the database's busy
    timeout), ``COURSE_CELL_TIMEOUT_S`` for every other cell."""
    if WAITING_CELL in cell.get("source", ""):
        return 0
    return _int_env("COURSE_CELL_TIMEOUT_S", 60)


def _log_request(handler) -> None:
    """Jupyter Server's request log, with learner codes and keys removed from URLs."""
    from jupyter_server.log import log_request

    log_request(handler, record_prometheus_metrics=False)


_SECRET_PARAM = re.compile(r"((?:%s)=)[^&\s'\"]+" % "|".join(SCRUBBED_PARAMS))


class ScrubSecrets(logging.Filter):
    """Remove learner codes and keys from any log line (tornado logs 4xx URLs in full)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET_PARAM.search(message):
            record.msg, record.args = _SECRET_PARAM.sub(r"\1[secret]", message), ()
        return True


def install_log_scrubber() -> None:
    for name in ("tornado.access", "tornado.general", "tornado.application", "Voila", "ServerApp"):
        logging.getLogger(name).addFilter(ScrubSecrets())


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
            raise SystemExit(f"COURSE_POOLS: {part!r} should look like 03_capacity_model.ipynb=30") from None
    return sizes


def voila_config(pool_size: int | None = None, preheat: bool = True) -> Config:
    """The course's Voila configuration as a traitlets Config."""
    pool = _int_env("COURSE_POOL_SIZE", 1) if pool_size is None else pool_size
    c = Config()
    c.VoilaConfiguration.template = "course"
    c.VoilaConfiguration.theme = "light"
    c.VoilaConfiguration.show_tracebacks = False
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
    for notebook, size in pool_overrides().items():
        pools[notebook] = {"pool_size": size}
    c.VoilaKernelManager.kernel_pools_config = pools
    # Kernels talk to the server over Unix sockets: no TCP port to race for when many start
    # at once (with TCP, simultaneous starts sometimes died with "Address already in use").
    c.KernelManager.transport = "ipc"
    c.VoilaKernelManager.fill_delay = 0
    c.MappingKernelManager.cull_idle_timeout = _int_env("COURSE_CULL_IDLE_S", 600)
    c.MappingKernelManager.cull_interval = _int_env("COURSE_CULL_INTERVAL_S", 60)
    c.MappingKernelManager.cull_connected = False
    c.Voila.tornado_settings = {
        "log_function": _log_request,
        "extra_log_scrub_param_keys": SCRUBBED_PARAMS,
    }
    return c


def prepare_environment() -> None:
    """Make the course template findable by Voila and its kernels."""
    root = str(template_root())
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([root, *paths])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=_int_env("PORT", 8866))
    parser.add_argument("--ip", default=os.environ.get("COURSE_IP", "127.0.0.1"))
    parser.add_argument("--pool-size", type=int, default=None,
                        help="pre-heated kernels per lesson (default COURSE_POOL_SIZE or 1; 0 = plain Voila)")
    parser.add_argument("--plain", action="store_true",
                        help="Voila's defaults (no pre-heating, default template) for comparison")
    parser.add_argument("--notebook-dir", default=str(course_dir()))
    args, extra = parser.parse_known_args(argv)
    prepare_environment()
    install_log_scrubber()
    from voila.app import Voila

    voila_argv = [args.notebook_dir, f"--port={args.port}", f"--Voila.ip={args.ip}", "--no-browser", *extra]
    if args.plain:
        Voila.launch_instance(argv=voila_argv)
        return
    Voila.launch_instance(argv=voila_argv, config=voila_config(args.pool_size))


if __name__ == "__main__":
    main(sys.argv[1:])
