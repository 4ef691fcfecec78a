"""The package as someone who is not a developer gets it (issue 14, point 5).

* ``[project].dependencies`` are exactly the distributions ``widgets_lib`` imports, plus the few it
  needs at run time without importing them (an AST walk, no install: fast); environment.yml lists
  the same with the same bounds; every subpackage is in the build.
* A plain ``pip install`` (not editable) of what the repository builds, into a fresh virtual
  environment, serves the course from an empty folder: notebooks, question banks and templates
  come with the package, nothing from the source tree (slow: it installs everything, about a
  minute). It installs from the wheels `make test-setup` put in .cache/wheelhouse, with no index.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "widgets_lib"
WHEELHOUSE = REPO / ".cache" / "wheelhouse"

# Import name -> distribution name, for every third-party module widgets_lib imports.
DISTRIBUTIONS = {
    "anywidget": "anywidget",
    "IPython": "ipython",
    "ipywidgets": "ipywidgets",
    "jupyter_server": "jupyter_server",
    "jupyterhub": "jupyterhub",
    "networkx": "networkx",
    "numpy": "numpy",
    "openpyxl": "openpyxl",
    "platformdirs": "platformdirs",
    "pyvis": "pyvis",
    "sqlalchemy": "SQLAlchemy",
    "tornado": "tornado",
    "jupyter_core": "jupyter_core",
    "traitlets": "traitlets",
    "voila": "voila",
    "websockets": "websockets",
    "ipykernel": "ipykernel",
    "jupyter_client": "jupyter_client",
    "setproctitle": "setproctitle",
    "nbconvert": "nbconvert",
    "jinja2": "Jinja2",
    "zmq": "pyzmq",
}
# Needed at run time although widgets_lib imports none of them (pyproject.toml says why).
NOT_IMPORTED = {"psycopg"}
# Modules used only where an extra is installed: their imports belong to that extra.
EXTRA_MODULES = {"widgets_lib/server/hub.py": "hub", "widgets_lib/server/singleuser.py": "hub"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_specs(requirements: list[str]) -> dict[str, str]:
    """{normalised name: version specifier} ("psycopg[binary]>=3.1" -> {"psycopg": ">=3.1"})."""
    specs = {}
    for requirement in requirements:
        found = re.match(r"([A-Za-z0-9._-]+)(?:\[[^]]*\])?\s*(.*)", requirement.strip())
        name, spec = found.groups()
        specs[_normalise(name)] = spec.replace(" ", "")
    return specs


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _third_party_imports() -> dict[str, dict[str, set[str]]]:
    """{"core" or an extra: {top-level module: files importing it}} for ``widgets_lib/``."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        group = EXTRA_MODULES.get(relative, "core")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), relative)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (  # np = lazy_module("numpy"): imported at first use (widgets_lib/lazy.py)
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "lazy_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [node.args[0].value]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "widgets_lib":
                    found.setdefault(group, {}).setdefault(top, set()).add(relative)
    return found


def test_dependencies_are_what_the_code_imports():
    imports = _third_party_imports()
    unmapped = sorted({m for group in imports.values() for m in group} - DISTRIBUTIONS.keys())
    assert not unmapped, (
        f"widgets_lib imports {unmapped}, which DISTRIBUTIONS in {__file__} does "
        "not know: add each with the distribution that provides it"
    )
    project = _pyproject()["project"]
    core = {_normalise(DISTRIBUTIONS[m]) for m in imports["core"]}
    declared = set(_requirement_specs(project["dependencies"]))
    expected = core | {_normalise(n) for n in NOT_IMPORTED}
    missing, unused = sorted(expected - declared), sorted(declared - expected)
    assert not missing and not unused, (
        "pyproject.toml [project].dependencies should be what widgets_lib imports (plus "
        f"{sorted(NOT_IMPORTED)}): missing {missing}, imported nowhere {unused}"
    )
    extras = project.get("optional-dependencies", {})
    for extra in set(EXTRA_MODULES.values()):
        wanted = {_normalise(DISTRIBUTIONS[m]) for m in imports.get(extra, {})} - core
        have = set(_requirement_specs(extras.get(extra, [])))
        assert wanted == have, (
            f"pyproject.toml extra [{extra}] should be {sorted(wanted)} (what "
            f"{sorted(k for k, v in EXTRA_MODULES.items() if v == extra)} "
            f"import beyond the core), not {sorted(have)}"
        )


def test_environment_yml_has_the_same_dependencies_and_bounds():
    """For conda and Binder users: the same list, each with the same floor and upper bound."""
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    # The conda list: the items under "dependencies:", not pip's (indented deeper).
    items = re.findall(r"^  - ([A-Za-z][^#\n]*)", text.split("\ndependencies:")[1], re.MULTILINE)
    conda = [item.strip() for item in items]
    tools = {"python", "pip", "nbval", "pytest"}  # the interpreter, and the test tools it offers
    listed = {n: s for n, s in _requirement_specs(conda).items() if n not in tools}
    wanted = _requirement_specs(_pyproject()["project"]["dependencies"])
    assert listed == wanted, (
        "environment.yml should list pyproject.toml's dependencies with the same bounds: "
        f"differs on {sorted(set(listed.items()) ^ set(wanted.items()))}"
    )


def test_the_import_name_mapping_is_right():
    """DISTRIBUTIONS is checked against the installed distributions' own metadata."""
    provided = packages_distributions()
    wrong = {
        module: dist
        for module, dist in DISTRIBUTIONS.items()
        if _normalise(dist) not in {_normalise(d) for d in provided.get(module, [])}
    }
    assert not wrong, f"these modules are not provided by the distribution named for them: {wrong}"


def test_every_subpackage_is_in_the_build():
    """pyproject.toml lists the packages by hand (course/ and data/ are mapped into the wheel),
    so a new subpackage of widgets_lib must be added there or it is missing from installs."""
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {
        path.parent.relative_to(REPO).as_posix().replace("/", ".")
        for path in PACKAGE.rglob("__init__.py")
    }
    assert not on_disk - listed, f"add {sorted(on_disk - listed)} to [tool.setuptools].packages"


# -- a plain install --------------------------------------------------------------------------


def _shipped_files() -> dict[str, list[str]]:
    """What an install must carry, by the paths.py lookup that finds it (relative to it)."""

    def under(root: Path, pattern: str) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.glob(pattern) if p.is_file())

    return {
        "course_dir": under(REPO / "course", "*.ipynb") + under(REPO / "course", "tutor/*.ipynb"),
        "data_dir": under(REPO / "data", "**/*"),
        "template_root": under(PACKAGE / "server" / "share" / "jupyter", "**/*"),
        "html_templates": under(PACKAGE / "html" / "templates", "*"),
    }


def _clean_env(home: Path) -> dict[str, str]:
    """This process's environment without anything pointing at the checkout or its venv; pip's
    settings (PIP_*) and cache are kept. Jupyter's and IPython's per-user folders are
    empty ones, so no kernel or template of this machine's user can stand in for the installed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "JUPYTER", "COURSE_", "VIRTUAL_ENV", "IPYTHON"))
    }
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        (home / name).mkdir(parents=True)
        env[name] = str(home / name)
    return env


def _run(args: list, what: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, **kwargs
    )
    assert done.returncode == 0, (
        f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(args: list, log: Path, **kwargs) -> tuple[subprocess.Popen, threading.Event]:
    """Start the server, copying its output to ``log``; the event is set once it says it
    listens (Voila's "is running at"), or when it exits."""
    server = subprocess.Popen(
        [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        **kwargs,
    )
    listening = threading.Event()

    def copy() -> None:
        with open(log, "w") as out:
            for line in server.stdout:
                out.write(line)
                out.flush()
                if "is running at" in line:
                    listening.set()
        listening.set()

    threading.Thread(target=copy, name="installed-server-log", daemon=True).start()
    return server, listening


def _stop(server: subprocess.Popen) -> None:
    """The server and its kernels (its own process group, started by this test)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # kernels left behind by a server that did not stop
    except ProcessLookupError:
        pass
    server.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_plain_pip_install_serves_the_course(tmp_path):
    import requests

    from widgets_lib.lessons import by_id
    from widgets_lib.server.serve import FRIENDLY_CELL_ERROR

    env = _clean_env(tmp_path / "home")
    # What the repository builds: an sdist of a copy (the shared work tree stays untouched), from
    # which pip builds and installs the wheel, as from a package index.
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".cache",
            ".ruff_cache",
            ".pytest_cache",
            "__pycache__",
            "*.egg-info",
            "build",
            "dist",
            "screens",
            "results",
        ),
    )
    started = time.monotonic()
    build = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    sdist = (
        _run(
            [sys.executable, "-c", build, tmp_path / "dist"],
            "building the sdist",
            cwd=source,
            env=env,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    # A fresh environment (no --system-site-packages), filled by this venv's pip through --python:
    # half the time of the new venv's own pip (no ensurepip, a faster resolver); same result.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], "python -m venv", env=env)
    python = venv / "bin" / "python"
    # From the wheels `make test-setup` downloaded: a test asks no registry for anything.
    if not (WHEELHOUSE / ".built").exists():
        pytest.fail(f"{WHEELHOUSE.relative_to(REPO)} is missing: `make test-setup` downloads it")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            WHEELHOUSE,
            tmp_path / "dist" / sdist,
        ],
        "pip install of the sdist",
        env=env,
    )
    print(f"sdist, venv and pip install: {time.monotonic() - started:.0f} s")
    shutil.rmtree(source)  # nothing can be found there any more

    empty = tmp_path / "empty"
    empty.mkdir()
    where = json.loads(
        _run(
            [
                python,
                "-c",
                (
                    "import json; from widgets_lib import paths; print(json.dumps({"
                    "'course_dir': str(paths.course_dir()), 'data_dir': str(paths.data_dir()), "
                    "'template_root': str(paths.template_root()), "
                    "'html_templates': str(paths.PACKAGE_DIR / 'html' / 'templates')}))"
                ),
            ],
            "finding the installed folders",
            cwd=empty,
            env=env,
        ).stdout
    )
    for name, folder in where.items():
        assert Path(folder).resolve().is_relative_to(venv.resolve()), (
            f"the installed package's {name} is {folder}, outside the virtual environment"
        )
    missing = {
        name: [f for f in files if not (Path(where[name]) / f).is_file()]
        for name, files in _shipped_files().items()
    }
    missing = {name: files for name, files in missing.items() if files}
    assert not missing, "not installed by pip install: " + "; ".join(
        f"{len(files)} file(s) of {name} ({where[name]}), e.g. {files[:5]}"
        for name, files in missing.items()
    )

    port, log = _free_port(), tmp_path / "server.log"
    server, listening = _serve(
        [python, "-m", "widgets_lib.server.serve", "--port", port, "--pool-size", "0"],
        log,
        cwd=empty,
        env={**env, "COURSE_DB_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"},
    )
    try:
        if not listening.wait(timeout=120) or server.poll() is not None:
            pytest.fail(
                f"the installed server did not start listening on {port} (exit status "
                f"{server.poll()}):\n{log.read_text(errors='replace')[-4000:]}"
            )
        url = f"http://127.0.0.1:{port}/voila/render/{by_id('03').file}"
        response = requests.get(url, timeout=300)
        page = response.text
        problem = f"\n--- server log ---\n{log.read_text(errors='replace')[-4000:]}"
        assert response.status_code == 200, f"lesson 03 answered {response.status_code}{problem}"
        assert by_id("03").title in page, f"lesson 03's title is not on its page{problem}"
        assert "course.css" in page, f"not the course template's page (no course.css){problem}"
        for failure in ("Traceback", FRIENDLY_CELL_ERROR):
            assert failure not in page, f"a cell of lesson 03 failed ({failure!r}){problem}"
    finally:
        _stop(server)
