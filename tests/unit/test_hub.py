"""A participant's single-user server under JupyterHub: what CourseAuthorizer lets through, and the
configuration deploy/jupyter_server_config.py takes from widgets_lib.server.serve.

The real hub, its servers and a browser are in tests/hub; these check the decisions one by one.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyter_server.auth import IdentityProvider
from traitlets import Any
from traitlets.config.loader import PyFileConfigLoader

from widgets_lib.paths import course_dir
from widgets_lib.server.hub import CourseAuthorizer
from widgets_lib.server.serve import HOME_PAGE, server_extension_config, use_private_runtime_dir

REPO = Path(__file__).resolve().parents[2]


class FakeHubAuth:
    """JupyterHub's answer to "may this user use this server?", and who asked."""

    oauth_scopes = {"access:servers!server=ana/"}

    def __init__(self, allowed: bool) -> None:
        self.allowed = allowed
        self.asked: list[dict] = []

    def check_scopes(self, required, hub_user):
        self.asked.append(hub_user)
        return set(required) if self.allowed else set()


class FakeIdentityProvider(IdentityProvider):
    hub_auth = Any()


def authorizer(hub_allows: bool = True) -> tuple[CourseAuthorizer, FakeHubAuth]:
    hub_auth = FakeHubAuth(hub_allows)
    return CourseAuthorizer(identity_provider=FakeIdentityProvider(hub_auth=hub_auth)), hub_auth


USER = SimpleNamespace(username="ana", hub_user={"name": "ana", "scopes": []})


def handler(path: str = "/user/ana/api/kernels") -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(path=path))


@pytest.mark.parametrize("action", ["read", "execute"])
def test_voilas_page_may_read_its_kernel_and_talk_to_it(action):
    """GET /api/kernels/<id> (read) and the websocket /api/kernels/<id>/channels (execute)."""
    auth, hub_auth = authorizer()
    request = handler("/user/ana/api/kernels/k1/channels")
    assert auth.is_authorized(request, USER, action, "kernels") is True
    assert hub_auth.asked == [USER.hub_user], "JupyterHub's own check still decides"


def test_jupyterhubs_own_refusal_stands():
    auth, _ = authorizer(hub_allows=False)
    assert auth.is_authorized(handler(), USER, "read", "kernels") is False


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("write", "kernels"),  # POST /api/kernels: start a kernel of one's own, DELETE, interrupt
        ("read", "contents"),
        ("write", "contents"),  # read or change files, the course's notebooks
        ("read", "sessions"),
        ("write", "sessions"),  # sessions start kernels too
        ("read", "terminals"),
        ("write", "terminals"),
        ("execute", "terminals"),
        ("read", "files"),
        ("read", "nbconvert"),
        ("read", "kernelspecs"),
        ("read", "config"),
        ("write", "config"),
        ("read", "api"),
        ("read", "events"),
        ("write", "events"),
        ("read", "server"),
        ("execute", "server"),
        ("read", "lab"),
        ("execute", "contents"),
        ("admin", "kernels"),
        ("read", ""),
    ],
)
def test_everything_else_is_refused_without_asking_the_hub(action, resource, caplog):
    auth, hub_auth = authorizer()
    with caplog.at_level(logging.WARNING):
        assert auth.is_authorized(handler("/user/ana/api/x"), USER, action, resource) is False
    assert hub_auth.asked == []
    assert f"refused {action} on {resource} (/user/ana/api/x)" in caplog.text


def test_the_server_offers_voila_and_nothing_else():
    c = server_extension_config()
    assert c.ServerApp.jpserver_extensions == {
        "voila": True,
        "jupyterlab": False,
        "notebook": False,
        "notebook_shim": False,
        "jupyter_lsp": False,
        "jupyter_server_terminals": False,
    }
    assert c.ServerApp.terminals_enabled is False
    assert c.ServerApp.authorizer_class == "widgets_lib.server.hub.CourseAuthorizer"
    # one participant's server: no template to share, so its kernels are launched, not forked
    assert c.KernelProvisionerFactory.default_provisioner_name == "local-provisioner"


def test_only_widget_messages_pass_over_a_kernels_websocket():
    c = server_extension_config()
    assert sorted(c.MappingKernelManager.allowed_message_types) == sorted(
        [
            "comm_open",
            "comm_close",
            "comm_msg",
            "comm_info_request",
            "kernel_info_request",
            "shutdown_request",
        ]
    )
    assert "execute_request" not in c.MappingKernelManager.allowed_message_types
    assert c.MappingKernelManager.allow_tracebacks is False


def test_the_server_serves_the_course_from_lesson_00_as_voila_does():
    c = server_extension_config()
    assert HOME_PAGE == "/voila/render/00_welcome.ipynb"
    assert c.ServerApp.default_url == HOME_PAGE
    assert c.ServerApp.root_dir == str(course_dir())
    assert (course_dir() / HOME_PAGE.rsplit("/", 1)[1]).is_file()
    assert c.VoilaConfiguration.template == "course"
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.preheat_kernel is False  # pools exist only in standalone Voila
    assert c.KernelManager.transport == "ipc"
    settings = c.ServerApp.tornado_settings
    assert settings["mathjax_url"] is None and settings["mathjax_config"] is None  # no CDN
    assert settings["log_function"] is c.Voila.tornado_settings["log_function"]  # codes scrubbed
    assert "learner" in settings["extra_log_scrub_param_keys"]
    (templates,) = c.ServerApp.extra_template_paths
    # Jupyter Server's 404 and error pages are the course's own
    assert {"404.html", "error.html"} <= {p.name for p in Path(templates).iterdir()}


def test_deploy_config_file_is_the_librarys(monkeypatch, tmp_path):
    """deploy/jupyter_server_config.py, loaded as jupyterhub-singleuser loads it: the library's."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", "")
    monkeypatch.setenv("JUPYTER_PATH", os.environ.get("JUPYTER_PATH", ""))
    monkeypatch.setattr("tempfile.tempdir", None)
    for name in ("tornado.access", "tornado.general", "tornado.application", "Voila", "ServerApp"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "filters", list(logger.filters))  # it adds the log scrubber
    loader = PyFileConfigLoader("jupyter_server_config.py", path=str(REPO / "deploy"))
    loaded = loader.load_config()
    expected = server_extension_config()
    for section in ("ServerApp", "MappingKernelManager", "VoilaConfiguration"):
        assert dict(loaded[section].items()) == dict(expected[section].items()), section
    runtime = Path(os.environ["JUPYTER_RUNTIME_DIR"])
    assert runtime.parent == tmp_path and runtime.is_dir()


def test_the_runtime_folder_is_short_and_private(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", "")
    runtime = Path(use_private_runtime_dir())
    assert os.environ["JUPYTER_RUNTIME_DIR"] == str(runtime)
    assert runtime.is_dir() and runtime.stat().st_mode & 0o077 == 0
    assert runtime.name.startswith("course-kernels-") and runtime.parent == tmp_path


@pytest.mark.parametrize("entry", ["widgets_lib.server.singleuser", "widgets_lib.server.serve"])
def test_servers_start_without_building_the_iri_grammar(entry):
    """Both ways a course server starts import jupyter_server without rfc3987_syntax (0.8 s of
    grammar building per server, widgets_lib/server/__init__.py), and jsonschema still validates."""
    code = (
        f"import sys, {entry}, jupyter_server.serverapp, jsonschema\n"
        "jsonschema.validate({'a': 1}, {'type': 'object'}, format_checker=jsonschema.FormatChecker())\n"
        "print(sys.modules.get('rfc3987_syntax') is None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
    config = (REPO / "deploy" / "jupyterhub_config.py").read_text(encoding="utf-8")
    assert '"-m", "widgets_lib.server.singleuser"' in config
