"""The serving configuration a tutor sets for a cohort: pools, the cohort size, memory."""

from __future__ import annotations

import logging

import pytest

from widgets_lib.server import serve


def pools(monkeypatch, **env: str) -> dict[str, int]:
    for name in ("COURSE_POOL_SIZE", "COURSE_POOLS", "COURSE_COHORT_SIZE", "COURSE_TEACHING"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = serve.voila_config().VoilaKernelManager.kernel_pools_config
    return {notebook: spec["pool_size"] for notebook, spec in config.items()}


def test_by_default_three_kernels_wait_for_each_lesson(monkeypatch):
    """The visitor, their reload, and their Back or new tab while the refill warms (issue 13)."""
    assert pools(monkeypatch) == {"default": 3}


def test_a_cohort_size_fills_lesson_00_where_everyone_starts(monkeypatch):
    assert pools(monkeypatch, COURSE_COHORT_SIZE="30") == {"default": 3, "00_welcome.ipynb": 30}


def test_a_cohort_size_fills_the_lessons_being_taught(monkeypatch):
    assert pools(
        monkeypatch, COURSE_COHORT_SIZE="25", COURSE_TEACHING="3, 04_draw_your_network.ipynb"
    ) == {"default": 3, "03_capacity_model.ipynb": 25, "04_draw_your_network.ipynb": 25}


def test_explicit_pools_override_the_cohort_size(monkeypatch):
    assert pools(
        monkeypatch,
        COURSE_COHORT_SIZE="25",
        COURSE_TEACHING="03",
        COURSE_POOLS="03_capacity_model.ipynb=5",
    ) == {"default": 3, "03_capacity_model.ipynb": 5}


def test_an_unknown_lesson_is_named_in_the_error(monkeypatch):
    with pytest.raises(SystemExit, match="no lesson '12'"):
        pools(monkeypatch, COURSE_COHORT_SIZE="25", COURSE_TEACHING="12")


def test_the_command_line_sets_the_cohort(monkeypatch):
    captured = {}

    class FakeVoila:
        @staticmethod
        def launch_instance(argv, config=None):
            captured["pools"] = config.VoilaKernelManager.kernel_pools_config

    import voila.app

    monkeypatch.setattr(voila.app, "Voila", FakeVoila)
    monkeypatch.setattr(serve, "prepare_environment", lambda: None)
    monkeypatch.setattr(serve, "install_log_scrubber", lambda: None)
    from widgets_lib.server import wakeups

    monkeypatch.setattr(wakeups, "recheck_kernel_messages", lambda: None)  # no process-wide patch
    for name in ("COURSE_POOLS", "COURSE_COHORT_SIZE", "COURSE_TEACHING"):
        monkeypatch.delenv(name, raising=False)
    serve.main(["--cohort-size", "12", "--teaching", "05"])
    assert captured["pools"]["05_diagnose_your_network.ipynb"] == {"pool_size": 12}


def test_memory_warning_when_the_pools_would_not_fit(monkeypatch):
    assert serve.memory_warning({}, 1, 10) is None  # ten kernels fit on any machine that runs tests
    warning = serve.memory_warning({"03_capacity_model.ipynb": 100_000}, 1, 10)
    assert warning and "100,009 pre-heated kernels" in warning and "COURSE_COHORT_SIZE" in warning


def test_the_cells_that_wait_for_a_visitor_have_no_timeout(monkeypatch):
    """A pre-heated kernel waits for its visitor in the notebook's last cell, however long that takes:
    the tutor dashboard's timed out after a minute and showed an error instead of the page."""
    import json

    from widgets_lib.paths import course_dir

    monkeypatch.setenv("COURSE_CELL_TIMEOUT_S", "60")
    for notebook in [
        *sorted(course_dir().glob("*.ipynb")),
        course_dir() / "tutor" / "dashboard.ipynb",
    ]:
        cells = [
            c
            for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"
        ]
        timeouts = [serve.cell_timeout({"source": "".join(c["source"])}) for c in cells]
        assert timeouts[-1] == 0 and set(timeouts[:-1]) == {60}, (notebook.name, timeouts)


def test_a_taken_kernel_is_replaced_at_once_unless_a_burst_is_making_kernels_start():
    policy = serve.RefillPolicy(most_warming=2)
    assert policy.now(warming=0)  # a visitor
    assert policy.now(warming=1)  # their reload while the first replacement starts
    assert not policy.now(warming=2)  # a class arriving: the refill waits until after the burst
    assert not policy.now(warming=9)
    # one person's page, reload and Back within seconds; a fourth take that soon is a class
    assert policy.now(warming=0, recent_takes=serve.PERSON_TAKES)
    assert not policy.now(warming=0, recent_takes=serve.PERSON_TAKES + 1)


def test_voilas_kernel_manager_factory_is_where_the_course_expects_it():
    """The refill policy wraps ``voila.app.voila_kernel_manager_factory`` and overrides
    ``fill_if_needed``; a Voila release that moves either must fail here, not silently."""
    import voila.app
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    assert callable(voila.app.voila_kernel_manager_factory)
    made = serve.course_kernel_manager_factory(AsyncMappingKernelManager, True, 1)
    assert made.__name__ == "CourseKernelManager"
    parent = made.__mro__[1]
    assert "fill_if_needed" in vars(parent) and "get_rendered_notebook" in vars(parent)


def test_the_refill_waits_while_the_processors_are_busy(monkeypatch):
    """Replacements for taken kernels start only when the processors had a spare moment since
    the policy last asked (/proc/stat's all and idle times)."""
    times = iter([(1000.0, 500.0), (1100.0, 510.0), (1200.0, 590.0), (1200.0, 590.0)])
    monkeypatch.setattr(serve, "_cpu_times", lambda: next(times))
    policy = serve.RefillPolicy(most_warming=2, busy_share=0.7)
    assert policy.busy()  # 90 of the last 100 ticks were busy: a class is working
    assert not policy.busy()  # 20 of 100: quiet enough to warm a spare kernel
    assert not policy.busy()  # no time passed: nothing to say it is busy
    monkeypatch.setattr(serve, "_cpu_times", lambda: None)
    assert not serve.RefillPolicy().busy()  # off Linux the refill never waits for quiet


def test_log_lines_no_handler_writes_are_not_scrubbed_at_all(caplog):
    """traitlets' loggers pass every debug line to their handlers; the course's filters skip the
    lines no handler writes (a sixth of the server's time went on scrubbing them, issue 18) and
    still scrub every line that is written."""
    logger = logging.getLogger("course-test-written")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.addFilter(serve.ScrubSecrets())
    try:
        debug = logger.makeRecord(logger.name, logging.DEBUG, "x", 1, "?learner=ABCD", (), None)
        info = logger.makeRecord(logger.name, logging.INFO, "x", 1, "?learner=ABCD", (), None)
        assert not serve.written(debug) and serve.written(info)
        logger.filter(debug)
        logger.filter(info)
        assert debug.getMessage() == "?learner=ABCD"  # dropped by the handler, left alone
        assert info.getMessage() == "?learner=[secret]"
    finally:
        logger.removeHandler(handler)


def test_page_templates_are_compiled_once_for_all_the_pages_the_server_renders(monkeypatch):
    """Each pre-heated kernel's page is rendered by an exporter of its own; with the shared cache
    the second exporter compiles nothing and renders the same page."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page")])
    plain = HTMLExporter().from_notebook_node(notebook)[0]
    create = TemplateExporter._create_environment  # without a cache another test installed
    unwrapped = getattr(create, "__wrapped__", create)
    monkeypatch.setattr(TemplateExporter, "_create_environment", unwrapped)
    serve.SharedTemplates().install()
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile

    def counted(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    first = HTMLExporter().from_notebook_node(notebook)[0]
    after_first = len(compiled)
    second = HTMLExporter().from_notebook_node(notebook)[0]
    assert after_first > 0 and len(compiled) == after_first
    assert first == second == plain


def test_the_kernel_managers_context_opens_more_than_zeromqs_default_1023_sockets():
    """A class of 200 holds more than 1,023 kernel sockets in the server's one context."""
    import zmq

    if serve.open_files() < 1200:
        pytest.skip("this system lets a process open fewer than 1,200 files")
    context = zmq.Context()
    serve.roomy(context)
    sockets = []
    try:
        for _ in range(1100):
            sockets.append(context.socket(zmq.DEALER))
    finally:
        for socket in sockets:
            socket.close(0)
        context.term()
    assert len(sockets) == 1100
