"""The third-party internals the course reads, one test each.

Each internal is why pyproject.toml (and environment.yml) puts an upper bound on its library; a
release that moves one must fail here, saying what moved and where the course uses it, instead of
failing on a participant's page. (Voila's ``voila_kernel_manager_factory`` and the pool manager's
``fill_if_needed``, which serve.py wraps, are checked in test_serve.py.)
"""

from __future__ import annotations

import inspect
import io
from pathlib import Path

import pytest

from tests.helpers import run_async
from widgets_lib import network_io
from widgets_lib.paths import template_root

COURSE_JS = template_root() / "voila" / "templates" / "course" / "static" / "course.js"


# -- openpyxl: network_io.read_workbook replaces ReadOnlyWorksheet._get_size --------------------


def _workbook(write_only: bool) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)
    sheet = book.create_sheet("schools")
    for row in (["name", "kind"], ["Oak", "school"], ["Elm", "school"], ["Ash", "lea"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_openpyxl_sizes_a_read_only_sheet_with_get_size(monkeypatch):
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    called = []
    monkeypatch.setattr(ReadOnlyWorksheet, "_get_size", lambda sheet: called.append(sheet))
    load_workbook(io.BytesIO(_workbook(write_only=False)), read_only=True)["schools"]
    assert called, (
        "openpyxl's ReadOnlyWorksheet no longer calls _get_size() when a sheet is opened: "
        "widgets_lib/network_io.py (read_workbook) replaces that method with _size_from_head, so "
        "that oversized sheets are refused without reading them whole; it would do nothing now"
    )


@pytest.mark.parametrize("write_only", [False, True], ids=["with <dimension>", "without"])
def test_openpyxl_internals_read_by_size_from_head(write_only):
    try:
        from openpyxl import load_workbook
        from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG  # noqa: F401
        from openpyxl.worksheet.dimensions import SheetDimension  # noqa: F401
        from openpyxl.xml.functions import iterparse  # noqa: F401
    except ImportError as error:
        pytest.fail(
            f"openpyxl moved a name that widgets_lib/network_io.py (_size_from_head, "
            f"read_workbook) imports: {error}"
        )
    book = load_workbook(io.BytesIO(_workbook(write_only)), read_only=True)
    sheet = book["schools"]
    for name in ("_min_column", "_min_row", "_max_column", "_max_row", "_get_source"):
        assert hasattr(sheet, name), (
            f"openpyxl's ReadOnlyWorksheet has no {name} any more: widgets_lib/network_io.py "
            "(_size_from_head) reads it to size a sheet"
        )
    sheet._min_column = sheet._min_row = 1
    sheet._max_column = sheet._max_row = None
    network_io._size_from_head(sheet)
    expected = (1, 1, None, None) if write_only else (1, 1, 2, 4)
    assert (sheet.min_column, sheet.min_row, sheet.max_column, sheet.max_row) == expected, (
        "openpyxl's ReadOnlyWorksheet size (min_column, min_row, max_column, max_row) no longer "
        "comes from _min_column/_min_row/_max_column/_max_row, or the <dimension> tag moved: "
        "widgets_lib/network_io.py (_size_from_head) sets them"
    )
    assert [r for r in sheet.iter_rows(values_only=True)][-1] == ("Ash", "lea")
    book.close()


# -- Voila: serve.py ------------------------------------------------------------------------------


def test_voila_request_info_handler_keeps_its_waiters():
    from voila.request_info_handler import RequestInfoSocketHandler

    waiters = getattr(RequestInfoSocketHandler, "_waiters", None)
    assert isinstance(waiters, dict) and "_waiters[kernel_id] = self" in inspect.getsource(
        RequestInfoSocketHandler.open
    ), (
        "Voila's RequestInfoSocketHandler._waiters (kernel id -> the socket of a pre-heated kernel "
        "waiting for its visitor) moved: widgets_lib/server/serve.py (announce_when_warm) counts "
        "it to log when every pre-heated kernel is warm"
    )


def test_voila_kernel_manager_keeps_its_pools():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    manager = voila_kernel_manager_factory(AsyncMappingKernelManager, True, 1)
    assert (
        "self._pools" in inspect.getsource(manager.__init__)
        and "self._pools[notebook_name] = pool" in inspect.getsource(manager.fill_if_needed)
        and "pool.append(task)" in inspect.getsource(manager.fill_if_needed)
    ), (
        "Voila's pre-heating kernel manager no longer keeps _pools (notebook -> list of tasks "
        "starting its kernels): widgets_lib/server/serve.py (CourseKernelManager.fill_if_needed) "
        "counts the tasks not yet done to decide when to refill"
    )


# -- Voila: visit.py speaks its /voila/query socket ---------------------------------------------


def test_voila_query_socket_is_where_visit_expects_it():
    import voila.app
    import voila.utils

    names = {
        "VOILA_PREHEAT",
        "VOILA_KERNEL_ID",
        "VOILA_APP_IP",
        "VOILA_APP_PORT",
        "VOILA_WS_PROTOCOL",
        "VOILA_WS_BASE_URL",
        "VOILA_SERVER_URL",
    }
    missing = sorted(n for n in names if getattr(voila.utils.ENV_VARIABLE, n, None) != n)
    assert (
        not missing
        and "voila/query" in inspect.getsource(voila.utils.wait_for_request)
        and '"/voila/query/%s"' in inspect.getsource(voila.app)
    ), (
        f"Voila's request socket moved (its variables {missing or names}, or the /voila/query/"
        "<kernel id> route): widgets_lib/visit.py (_query_url, wait_for_request) does what "
        "voila.utils.wait_for_request does, without importing Voila's server into every kernel"
    )


# -- Voila: server/query_socket.py replaces three of its handlers -----------------------------


def test_voila_routes_its_side_doors_through_names_in_voila_app():
    import voila.app

    source = inspect.getsource(voila.app.Voila.init_handlers)
    missing = [
        name
        for name in ("RequestInfoSocketHandler", "VoilaShutdownKernelHandler", "KernelHandler")
        if f"{name}," not in source or not hasattr(voila.app, name)
    ]
    assert not missing, (
        f"Voila.init_handlers no longer routes through voila.app.{missing}: "
        "widgets_lib/server/query_socket.py (use_course_handlers) replaces those names so that "
        "/voila/query and /voila/api/shutdown need the kernel's key or owner; they would be "
        "Voila's open doors again"
    )


def test_voila_keeps_a_request_for_a_kernel_not_yet_waiting():
    from voila.handler import VoilaHandler
    from voila.request_info_handler import RequestInfoSocketHandler

    sends = inspect.getsource(RequestInfoSocketHandler.send_updates)
    assert (
        isinstance(getattr(RequestInfoSocketHandler, "_cache", None), dict)
        and "cls._waiters.get(kernel_id" in sends
        and "cls._cache[kernel_id] = payload" in sends
        and "RequestInfoSocketHandler.send_updates(" in inspect.getsource(VoilaHandler)
    ), (
        "Voila's request socket no longer keeps requests in RequestInfoSocketHandler._cache and "
        "_waiters, or its page handler no longer calls send_updates: "
        "widgets_lib/server/query_socket.py (CourseRequestInfoSocketHandler, forget_request) "
        "delivers from and empties them"
    )


def test_voila_starts_preheated_kernels_through_start_kernel_with_voila_preheat():
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    manager = voila_kernel_manager_factory(AsyncMappingKernelManager, True, 1)
    assert "super().start_kernel(" in inspect.getsource(manager._initialize) and (
        'kernel_env[ENV_VARIABLE.VOILA_PREHEAT] = "True"'
        in inspect.getsource(manager.fill_if_needed)
    ), (
        "Voila's pre-heating manager no longer starts its kernels with super().start_kernel(env=…) "
        "marked VOILA_PREHEAT=True: widgets_lib/server/query_socket.py (keyed_kernel_manager) "
        "gives each such kernel the key to its request socket there; without it a kernel could "
        "not learn its visitor"
    )


def test_voila_page_posts_the_xsrf_cookie_to_its_shutdown():
    bundles = _widget_bundles().get("Voila's widgets-manager8", [])
    text = "".join(file.read_text(encoding="utf-8", errors="replace") for file in bundles)
    assert "voila/api/shutdown/" in text and "_xsrf" in text and "sendBeacon" in text, (
        "Voila's page no longer posts the _xsrf cookie to /voila/api/shutdown/<id> when its tab "
        "closes: widgets_lib/server/query_socket.py (CourseKernelHandler) sets that cookie for it, "
        "and course.js sends the page's last values before that post"
    )


# -- ipywidgets' JavaScript: course.js ----------------------------------------------------------


def _widget_bundles() -> dict[str, list[Path]]:
    """The JavaScript that may provide @jupyter-widgets/base and the widget manager to Voila's
    page: Voila's own ipywidgets-8 manager and jupyterlab_widgets' (shared singletons: the page
    uses whichever copy is newer, so both must do)."""
    from jupyter_core.paths import jupyter_path

    bundles = {}
    for name, folder in (
        (
            "Voila's widgets-manager8",
            "voila/labextensions/@voila-dashboards/widgets-manager8/static",
        ),
        (
            "jupyterlab_widgets' jupyterlab-manager",
            "labextensions/@jupyter-widgets/jupyterlab-manager/static",
        ),
    ):
        for root in jupyter_path():
            files = sorted((Path(root) / folder).glob("*.js"))
            if files:
                bundles[name] = files
                break
    return bundles


@pytest.mark.parametrize("internal", ["_models", "_msg_buffer", "_msg_buffer_callbacks"])
def test_widget_javascript_keeps_what_course_js_reads(internal):
    assert f".{internal}" in COURSE_JS.read_text(encoding="utf-8"), (
        f"course.js no longer reads {internal}: drop this case, and the reason for the bound "
        "in pyproject.toml"
    )
    bundles = _widget_bundles()
    assert bundles, "no widget manager JavaScript found under any Jupyter data folder"
    lacking = [
        name
        for name, files in bundles.items()
        if not any(internal in file.read_text(encoding="utf-8", errors="replace") for file in files)
    ]
    assert not lacking, (
        f"{internal} is gone from the widgets' JavaScript of {lacking}: "
        "widgets_lib/server/share/jupyter/voila/templates/course/static/course.js reads the widget "
        "manager's _models and each model's _msg_buffer/_msg_buffer_callbacks to send changes "
        "still waiting in the page before it is left"
    )


# -- Voila, Jupyter Server and tornado: limits.py and headers.py ----------------------------------


def test_voila_page_handler_gets_its_kernel_from_these_two_calls():
    import voila.app
    from voila.handler import VoilaHandler

    source = inspect.getsource(VoilaHandler.get_generator)
    assert (
        "self.kernel_manager.get_rendered_notebook(" in source
        and "self.kernel_manager.start_kernel(" in source
        and "TornadoVoilaHandler," in inspect.getsource(voila.app.Voila.init_handlers)
    ), (
        "Voila's page handler no longer gets its kernel with kernel_manager.get_rendered_notebook "
        "(a pre-heated one) or kernel_manager.start_kernel (a new one), or its app no longer "
        "registers TornadoVoilaHandler: widgets_lib/server/limits.py (CourseVoilaHandler, "
        "_Recording, course_voila_class) counts each visitor's kernels through those"
    )


def test_jupyter_server_reads_the_traceback_replacement_from_the_kernels_own_manager():
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    source = inspect.getsource(ZMQChannelsWebsocketConnection._on_error)
    assert "self.kernel_manager.traceback_replacement_message" in source, (
        "Jupyter Server's websocket connection no longer reads traceback_replacement_message from "
        "the kernel's own manager (the bug widgets_lib/server/limits.py works around in "
        "CeilingKernelManager): check where it reads it now and that the course's sentence is "
        "what replaces a traceback (tests/reliability/test_attacks_server.py)"
    )


def test_jupyter_client_launches_a_kernel_with_async_launch_kernel():
    from jupyter_client.manager import KernelManager

    assert "provisioner.launch_kernel" in inspect.getsource(KernelManager._async_launch_kernel), (
        "jupyter_client's KernelManager no longer launches the kernel process in "
        "_async_launch_kernel: widgets_lib/server/limits.py (CeilingKernelManager) sets the "
        "memory ceiling on the process that method starts"
    )


def test_tornado_adds_cookies_after_the_output_transforms():

    import tornado.httpclient
    import tornado.web

    from widgets_lib.server.headers import SecurityHeaders

    class Page(tornado.web.RequestHandler):
        def get(self) -> None:
            self.set_cookie("visitor", "v")
            self.write("ok")

    async def fetch() -> list[str]:
        app = tornado.web.Application([("/", Page)])
        app.add_transform(SecurityHeaders)
        server = app.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        try:
            response = await tornado.httpclient.AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{port}/", headers={"X-Forwarded-Proto": "https"}
            )
        finally:
            server.stop()
        return response.headers.get_list("Set-Cookie")

    assert run_async(fetch()) == ["visitor=v; Path=/; SameSite=Lax; Secure"], (
        "tornado no longer adds a response's cookies to the headers that the output transforms "
        "returned (RequestHandler.flush): widgets_lib/server/headers.py (SecurityHeaders) flags "
        "each cookie as it is added, and no longer can"
    )
