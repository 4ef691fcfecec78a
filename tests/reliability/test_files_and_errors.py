"""Files and errors: the database, data files, Python files and notebooks are never served over
HTTP, whatever path a visitor guesses; a failing cell shows a friendly message, never a traceback.

Paths are sent byte for byte with ``http.client`` (``requests`` would remove ``..`` segments before
sending, as browsers do; an attacker's tool does not). Every route the course server has is tried
(Voila's own, see ``voila/app.py`` ``init_handlers``, and Jupyter Server's usual ones, which
standalone Voila does not mount), each with plain, encoded, doubly encoded and absolute forms of
every path. A response fails the test if its body holds a piece of the file, raw, JSON-escaped,
HTML-escaped or base64-encoded — not merely if its status is 200.
"""

from __future__ import annotations

import base64
import collections
import html
import http.client
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.helpers import REPO, CourseServer
from widgets_lib.store import Store

# Every route of standalone Voila (voila/app.py) and the usual Jupyter Server ones.
PREFIXES = [
    "/",
    "/files/",
    "/tree/",
    "/notebooks/",
    "/edit/",
    "/view/",
    "/lab/tree/",
    "/nbconvert/html/",
    "/api/contents/",
    "/static/",
    "/login/",
    "/voila/files/",
    "/voila/static/",
    "/voila/templates/",
    "/voila/templates/course/",
    "/voila/templates/course/static/",
    "/voila/templates/lab/static/",
    "/voila/labextensions/",
    "/voila/api/themes/",
    "/voila/api/contents/",
    "/voila/tree/",
    "/voila/render/",
    "/voila/api/shutdown/",
]
# Query strings that ask a contents API for a file's bytes.
QUERIES = ["", "?content=1&type=file&format=text", "?content=1&type=file&format=base64"]
TRACEBACK_SIGNS = ("Traceback", 'File "/', "site-packages")


def fingerprints(data: bytes) -> list[bytes]:
    """Pieces of a file that a body serving it would hold, in the encodings a server might use."""
    size = 64
    chunks = [data[:size], data[len(data) // 2 : len(data) // 2 + size]]
    prints = [chunk for chunk in chunks if len(chunk) >= 16]
    for chunk in list(prints):
        text = chunk.decode("utf-8", errors="ignore")
        prints += [json.dumps(text)[1:-1].encode()[:48], html.escape(text).encode()[:48]]
    prints.append(base64.b64encode(data[:48])[:60])  # base64 of the whole file starts like this
    return [p for p in prints if len(p) >= 16]


def targets(db_file: Path) -> dict[Path, list[str]]:
    """Each file a visitor must never get, with the paths they could guess for it (relative to the
    served folder, which is ``course/``)."""
    course = REPO / "course"
    networks = min((REPO / "data" / "networks").iterdir())
    found: dict[Path, list[str]] = {
        db_file: [
            "course.db",
            "../course.db",
            "../../course.db",
            "data/course.db",
            "../data/course.db",
            ".local/share/school-capacity-course/course.db",
            "../.local/share/school-capacity-course/course.db",
        ],
        course / "00_welcome.ipynb": [
            "00_welcome.ipynb",
            "../course/00_welcome.ipynb",
            "./00_welcome.ipynb",
            "tutor/../00_welcome.ipynb",
        ],
        course / "tutor" / "dashboard.ipynb": [
            "tutor/dashboard.ipynb",
            "../course/tutor/dashboard.ipynb",
        ],
    }
    for file in [
        REPO / "data" / "capacity_items.json",
        REPO / "data" / "reflections.json",
        networks / "schools.csv",
        networks / "links.csv",
        networks / "answers.json",
        REPO / "widgets_lib" / "store.py",
        REPO / "widgets_lib" / "server" / "serve.py",
        REPO / "widgets_lib" / "identity.py",
        REPO / "pyproject.toml",
        REPO / "tests" / "voila" / "fixtures" / "failing.ipynb",
    ]:  # a notebook outside course/
        rel = file.relative_to(REPO).as_posix()
        found[file] = [f"../{rel}", rel]
    return found


def variants(rel: str, absolute: Path) -> list[str]:
    """``rel`` as typed, with its slashes and dots percent-encoded (once and twice), with
    backslashes, and the file's absolute path reached by climbing from any folder."""
    climb = "../" * 12 + absolute.as_posix().lstrip("/")
    forms = {
        rel,
        rel.replace("/", "%2f"),
        rel.replace("..", "%2e%2e"),
        rel.replace("..", "%2e%2e").replace("/", "%2f"),
        rel.replace("/", "%252f"),
        rel.replace("/", "%5c"),
        rel.replace("../", "....//"),
        climb,
        climb.replace("/", "%2f"),
        "/" + absolute.as_posix().lstrip("/"),
        "%2f" + absolute.as_posix().lstrip("/").replace("/", "%2f"),
    }
    return sorted(forms)


def fetch(netloc: str, path: str, redirects: int = 3) -> tuple[int, bytes]:
    """GET ``path`` exactly as written, following redirects (Voila sends files to /voila/files/)."""
    connection = http.client.HTTPConnection(netloc, timeout=60)
    try:
        connection.putrequest(
            "GET", path, skip_accept_encoding=True
        )  # sent as written: no normalising
        connection.endheaders()
        response = connection.getresponse()
        status, body, location = response.status, response.read(), response.getheader("Location")
    finally:
        connection.close()
    if status in (301, 302, 303, 307, 308) and location and redirects:
        target = urlparse(location)
        assert target.netloc in ("", netloc), f"{path} redirects off the server: {location}"
        return fetch(
            netloc,
            location[len(f"{target.scheme}://{target.netloc}") :] if target.netloc else location,
            redirects - 1,
        )
    return status, body


def test_no_file_is_served_whatever_the_path(course_server):
    db_file = course_server.log_path.parent / "course.db"
    store = Store(f"sqlite:///{db_file}")  # the server's own database (made on first use)
    store.ensure_learner("files-test-learner", "code")
    store.dispose()
    assert db_file.read_bytes()[:16] == b"SQLite format 3\x00"
    netloc = urlparse(course_server.url).netloc
    course = REPO / "course"
    statuses: collections.Counter[int] = collections.Counter()
    served: list[str] = []
    tried = 0
    for file, guesses in targets(db_file).items():
        prints = fingerprints(file.read_bytes())
        assert prints, file
        paths = sorted({v for rel in guesses for v in variants(rel, file)})
        for prefix in PREFIXES:
            for rel in paths:
                if prefix == "/voila/render/" and file.is_relative_to(course):
                    continue  # every such path is a lesson's own page: rendered (no code shown)
                for query in QUERIES if "api/contents" in prefix else [""]:
                    path = prefix + rel + query
                    status, body = fetch(netloc, path)
                    tried += 1
                    statuses[status] += 1
                    if any(p in body for p in prints):
                        served.append(f"{status} {path} -> {file.name}")
                    if b"voila_finish" in body:  # a notebook from outside the course, run
                        served.append(f"{status} {path} -> {file.name} (rendered)")
                    assert not any(sign.encode() in body for sign in TRACEBACK_SIGNS), (
                        path,
                        body[:500],
                    )
    # The detector itself: a file the server does serve (the course's style sheet) is recognised.
    css = (
        REPO
        / "widgets_lib"
        / "server"
        / "share"
        / "jupyter"
        / "voila"
        / "templates"
        / "course"
        / "static"
        / "course.css"
    ).read_bytes()
    status, body = fetch(netloc, "/voila/templates/course/static/course.css")
    assert status == 200 and all(p in body for p in fingerprints(css)[:2])
    print(f"\n{tried} paths tried; status codes: {dict(sorted(statuses.items()))}")
    assert served == [], "files were served:\n" + "\n".join(served)
    assert tried > 1000


def test_the_routes_of_a_full_jupyter_server_are_absent(course_server):
    """Standalone Voila mounts no file browser, editor, terminal nor REST API for files, kernels."""
    netloc = urlparse(course_server.url).netloc
    for path in [
        "/tree",
        "/lab",
        "/notebooks/00_welcome.ipynb",
        "/edit/00_welcome.ipynb",
        "/api/contents",
        "/api/kernels",
        "/api/sessions",
        "/api/terminals",
        "/terminals/1",
        "/api/kernelspecs",
        "/api/nbconvert",
        "/nbconvert/html/00_welcome.ipynb",
    ]:
        status, body = fetch(netloc, path)
        assert status == 404, (path, status)
        assert b"cells" not in body and b"kernel" not in body.lower(), path


def test_a_template_or_theme_in_the_address_changes_nothing(course_server):
    """Voila lets ``?template=`` and ``?theme=`` choose the page's template unless told not to:
    an unknown name left the request hanging with a kernel started for it."""
    netloc = urlparse(course_server.url).netloc
    for query in [
        "?template=lab",
        "?template=no-such-template",
        "?template=../../../etc",
        "?theme=dark",
    ]:
        status, body = fetch(netloc, "/voila/render/01_why_networks.ipynb" + query)
        assert status == 200, (query, status)
        assert b"course.css" in body and b"window.voila_finish()" in body, (query, body[-500:])
        assert b'data-jp-theme-name="JupyterLab Dark"' not in body, query


@pytest.mark.browser
def test_a_page_that_never_finishes_opening_offers_a_reload(course_server, new_context):
    """If the server never ends a page (the visitor would watch the spinner for ever), the page says
    so after a while and reloads from the keyboard; here its end is cut off on the way."""
    context = new_context()
    context.add_init_script("window.courseSlowPageMs = 3000;")  # the page's own limit is a minute
    page = context.new_page()
    url = f"{course_server.url}/voila/render/01_why_networks.ipynb"

    def cut(route):
        response = route.fetch()
        body = response.text()
        end = body.rindex("<script", 0, body.index("window.courseFinished"))
        route.fulfill(response=response, body=body[:end])

    page.route(url, cut)
    page.goto(url, wait_until="domcontentloaded")
    notice = page.get_by_role("alert").filter(has_text="taking much longer than it should to open")
    notice.wait_for(timeout=60_000)
    assert "everything you have already saved is kept" in notice.inner_text()
    page.unroute(url)
    page.get_by_role("button", name="Reload the page").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("window.courseFinished === true", timeout=120_000)
    page.get_by_role("heading", level=1).first.wait_for()
    assert page.locator(".course-slow-page").count() == 0


# -- a failing cell --------------------------------------------------------------------------
SECRET = "SECRET-INTERNAL-DETAIL-7731"
MISSING = "/srv/course-internal/private/course.db"
# Voila stops a page at its first failing cell: one page for each way a cell can fail.
FAILING_CELLS = {
    "raises": f"secret = {SECRET!r}\nraise RuntimeError(secret)",
    "missing_file": f"open({MISSING!r}).read()",
    "arithmetic": "1 / 0",
    "import": "import widgets_lib.no_such_module",
    "database": "from widgets_lib.store import Store\n"
    "Store('sqlite:////nonexistent-folder/x/y/course.db').load('x', 'y')",
}
BEFORE = "This paragraph comes before the failing cell."
FRIENDLY = "This part of the page could not be shown. Your saved work is safe"
EXCEPTION_NAMES = (
    "RuntimeError",
    "FileNotFoundError",
    "ZeroDivisionError",
    "ModuleNotFoundError",
    "ImportError",
    "OperationalError",
    "StoreError",
    "ExecutionError",
    "Error:",
)
SIGNS_OF_INTERNALS = (
    "Traceback",
    SECRET,
    MISSING,
    "/srv/",
    "site-packages",
    "widgets_lib",
    "store.py",
    "no_such_module",
    "nonexistent-folder",
    'File "',
    "Cell In[",
    "division by zero",
    "sqlite",
    "--show_tracebacks",
    "Execution error",
)


def failing_notebooks(folder: Path) -> list[str]:
    """One notebook per failing cell, each with text before the cell and after it."""
    names = []
    for name, source in FAILING_CELLS.items():
        cells = [
            {"cell_type": "markdown", "metadata": {}, "source": [BEFORE]},
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source,
            },
            {"cell_type": "markdown", "metadata": {}, "source": ["After the failing cell."]},
        ]
        notebook = {
            "cells": cells,
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
            },
        }
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        names.append(f"{name}.ipynb")
    return names


@pytest.mark.browser
@pytest.mark.timeout(900)
@pytest.mark.parametrize("pool_size", [1, 0], ids=["preheated", "plain"])
def test_failing_cells_show_a_friendly_message_in_chromium(browser, tmp_path, pool_size):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebooks = failing_notebooks(folder)
    server = CourseServer(
        f"sqlite:///{tmp_path}/f.db",
        tmp_path / "server.log",
        notebook_dir=folder,
        pool_size=pool_size,
    )
    offsite: list[str] = []
    context = browser.new_context(
        bypass_csp=True,
    )
    context.set_default_timeout(120_000)
    host = urlparse(server.url).netloc

    def route(r) -> None:
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("data", "blob", "about") or parsed.netloc == host:
            r.continue_()
        else:
            offsite.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pages: dict[str, tuple[str, str]] = {}
    try:
        server.wait_ready(notebooks if pool_size else [])
        page = context.new_page()
        for notebook in notebooks:
            page.goto(f"{server.url}/voila/render/{notebook}", timeout=120_000)
            page.get_by_text(FRIENDLY).wait_for()
            page.get_by_text(BEFORE).wait_for()
            pages[notebook] = (page.locator("body").inner_text(), page.content())
    finally:
        context.close()
        server.stop()
    for notebook, (shown, source) in pages.items():
        assert shown.count(FRIENDLY) == 1, (notebook, shown)
        for sign in (*SIGNS_OF_INTERNALS, *EXCEPTION_NAMES):
            assert sign not in shown, f"{notebook}: {sign!r} is shown on the page"
            assert sign not in source, f"{notebook}: {sign!r} is in the page's HTML"
    assert offsite == []
