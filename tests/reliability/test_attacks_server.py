"""Attacks on the standalone server itself (issue 15, rows 6, 9 and 11), each reproduced against a
real server started with low caps so that it runs in seconds:

* row 6: one address sends many lesson requests and abandons each: it may hold only
  ``COURSE_KERNELS_PER_CLIENT`` kernels, the server only ``COURSE_MAX_KERNELS``; beyond them a
  visitor gets the busy page (503, ``Retry-After``, reloading itself) and no kernel; every kernel
  starts under the memory ceiling;
* row 9: a script sends wrong-typed widget values over a kernel's websocket: no traceback and no
  server path comes back;
* row 11: every response carries the security headers, cookies are ``SameSite`` (and ``Secure``
  behind an HTTPS proxy), and a learner code under a percent-encoded parameter name is not logged.

Each test prints the figure it measured. The visitor's address is given as a reverse proxy on this
machine gives it (``X-Forwarded-For``), so one test client can be many visitors.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests
import websocket

from tests.helpers import REPO, CourseServer

PER_CLIENT = 3
POOL = 1  # the one lesson's pre-heated kernel
MAX_KERNELS = POOL + 6
CEILING_MB = 1024
LESSON = "00_welcome.ipynb"
ATTACKER = "203.0.113.7"  # TEST-NET-3: an address that is nobody's
BUSY = "The course is busy; this page will try again in a minute"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A course server for one lesson with low caps: its log, its process and its kernels'."""
    folder = tmp_path_factory.mktemp("attacks")
    notebooks = folder / "course"
    notebooks.mkdir()
    shutil.copy(REPO / "course" / LESSON, notebooks / LESSON)
    server = CourseServer(
        f"sqlite:///{folder}/course.db",
        folder / "server.log",
        notebook_dir=notebooks,
        pool_size=POOL,
        extra_env={
            "COURSE_KERNELS_PER_CLIENT": str(PER_CLIENT),
            "COURSE_MAX_KERNELS": str(MAX_KERNELS),
            "COURSE_KERNEL_MEMORY_MB": str(CEILING_MB),
            "COURSE_REFILL_DELAY_S": "1",
        },
    )
    try:
        server.wait_ready([LESSON])
        yield server
    finally:
        server.stop()


def kernels(server) -> list[psutil.Process]:
    """The server's kernel processes (each named by its connection file)."""
    return [
        p
        for p in psutil.Process(server.proc.pid).children(recursive=True)
        if any("kernel-" in part and part.endswith(".json") for part in _cmdline(p))
    ]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def resident_mb(server) -> int:
    """Resident memory of the server and all its kernels, MB."""
    total = 0
    for p in [psutil.Process(server.proc.pid), *kernels(server)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total // 2**20


def poll(server, interval_s: float = 0.5) -> None:
    """Between two looks at the server: wait on the server process itself, so that a server that
    dies meanwhile fails the test at once instead of at the deadline."""
    try:
        server.proc.wait(timeout=interval_s)
    except subprocess.TimeoutExpired:
        return
    raise AssertionError(f"the server exited:\n{server.log()[-3000:]}")


def kernels_settled(server, timeout_s: float = 120) -> int:
    """The number of kernel processes once every kernel the log says was started is running (a
    start requested by an abandoned request goes on after the client has gone)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        started = server.log().count("Kernel started:")
        shut = server.log().count("Kernel shutdown:")
        running = len(kernels(server))
        if running == started - shut:
            return running
        poll(server)
    raise AssertionError(f"kernels never settled: {running} running, log says {started - shut}")


def lesson_request(
    server, client: str, timeout=(5, 10)
) -> tuple[int | None, requests.Response | None]:
    """One visit to the lesson from ``client``, abandoned after ``timeout`` (as the attacker did)."""
    try:
        response = requests.get(
            f"{server.url}/voila/render/{LESSON}",
            headers={"X-Forwarded-For": client},
            timeout=timeout,
        )
        return response.status_code, response
    except requests.RequestException:
        return None, None  # abandoned: the server goes on with the kernel it started


# -- row 9: tracebacks -------------------------------------------------------------------------


def test_wrong_typed_widget_values_bring_back_no_traceback(server):
    session = requests.Session()
    page = session.get(
        f"{server.url}/voila/render/{LESSON}", headers={"X-Forwarded-For": "198.51.100.9"}
    )
    assert page.status_code == 200
    config = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.text, re.S
    )
    kernel_id = json.loads(config.group(1))["kernelId"]
    models = sorted(set(re.findall(r'"model_id": "([0-9a-f]{32})"', page.text)))
    assert models, "the lesson page shows no widget"
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    ws = websocket.create_connection(
        server.url.replace("http", "ws")
        + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}",
        cookie=cookie,
        timeout=60,
    )
    sent = []
    wrong_values = [
        {"value": {"not": "a value"}},
        {"layout": 5},
        {"_dom_classes": 7},
        {"disabled": "yes please"},
    ]
    for model in models[:6]:
        for state in wrong_values:
            msg_id = uuid.uuid4().hex
            sent.append(msg_id)
            ws.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "msg_type": "comm_msg",
                            "username": "",
                            "session": uuid.uuid4().hex,
                            "date": "",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "content": {
                            "comm_id": model,
                            "data": {"method": "update", "state": state, "buffer_paths": []},
                        },
                        "channel": "shell",
                        "buffers": [],
                    }
                )
            )
    frames, idle = [], set()
    while idle != set(sent):  # the kernel has handled every message sent
        frame = ws.recv()
        frames.append(frame)
        msg = json.loads(frame)
        parent = msg.get("parent_header", {}).get("msg_id")
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            if parent in sent:
                idle.add(parent)
    ws.close()
    received = "\n".join(frames)
    errors = [json.loads(f) for f in frames if '"msg_type": "error"' in f]
    leaks = sorted(
        set(re.findall(r"(?:/work|/home|/usr|/tmp|site-packages|\.venv)[^\s\"'\\]*", received))
    )[:5]
    print(
        f"\nrow 9: {len(sent)} wrong-typed values to {min(len(models), 6)} widgets: "
        f"{len(errors)} error messages came back; traceback in them: "
        f"{'Traceback' in received or 'traitlets' in received}; server paths: {leaks or 'none'}"
    )
    assert errors, "the wrong values were not refused at all (nothing to check)"
    assert "Traceback" not in received and "traitlets" not in received
    assert not leaks, f"server paths reached the client: {leaks}"
    for error in errors:
        assert error["content"]["traceback"] == [
            "This part of the page could not be shown. Your saved work is safe: please reload "
            "the page, and if it happens again tell your tutor."
        ]


# -- row 11: headers, cookies, logs ------------------------------------------------------------


def test_every_response_has_the_security_headers_and_cookie_flags(server):
    seen = {}
    for path in [
        "/",
        f"/voila/render/{LESSON}",
        "/voila/static/course.js",
        "/voila/render/no_such_lesson.ipynb",
        "/no/such/page",
    ]:
        response = requests.get(
            server.url + path,
            headers={"X-Forwarded-For": "198.51.100.10", "X-Forwarded-Proto": "https"},
            allow_redirects=False,
        )
        headers = response.headers
        seen[path] = (
            response.status_code,
            headers.get("Referrer-Policy"),
            headers.get("X-Content-Type-Options"),
            headers.get("Content-Security-Policy", "")[:40],
            headers.get("Set-Cookie", ""),
        )
    print("\nrow 11: headers seen")
    for path, (status, referrer, nosniff, csp, cookies) in seen.items():
        flags = re.findall(r"(?i)(HttpOnly|Secure|SameSite=\w+)", cookies)
        print(f"  {status} {path}: Referrer-Policy={referrer} nosniff={nosniff} CSP={csp!r}…")
        print(f"      cookie flags: {flags}")
    for path, (_status, referrer, nosniff, csp, _cookies) in seen.items():
        assert referrer in ("no-referrer", "same-origin"), path
        assert nosniff == "nosniff", path
        assert csp.startswith("default-src 'self'"), path
    response = requests.get(
        f"{server.url}/",
        headers={"X-Forwarded-For": "198.51.100.10", "X-Forwarded-Proto": "https"},
    )
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert "http:" not in policy and "https:" not in policy and "*" not in policy
    cookies = response.raw.headers.getlist("Set-Cookie")
    assert cookies and all("SameSite=Lax" in c and "Secure" in c for c in cookies), cookies
    assert all("HttpOnly" in c for c in cookies if not c.startswith("_xsrf="))
    plain = requests.get(f"{server.url}/", headers={"X-Forwarded-For": "198.51.100.10"})
    # Over plain HTTP a cookie cannot be Secure (the browser would drop it), but is SameSite.
    assert all(
        "SameSite=Lax" in c and "Secure" not in c for c in plain.raw.headers.getlist("Set-Cookie")
    )


@pytest.mark.parametrize("name", ["%6Cearner", "l%65arner", "%6C%65%61%72%6E%65%72"])
def test_a_learner_code_under_an_encoded_name_is_not_logged(server, name):
    code = f"K7PM{uuid.uuid4().hex[:8].upper()}"
    # A page that does not exist is logged at warning level, by tornado and by Jupyter Server,
    # with its address and the Referer (a same-origin Referer carries the page's address).
    requests.get(
        f"{server.url}/voila/render/no_such_lesson.ipynb?{name}={code}",
        headers={
            "X-Forwarded-For": "198.51.100.11",
            "Referer": f"{server.url}/voila/render/{LESSON}?{name}={code}-REF",
        },
    )
    marker = uuid.uuid4().hex
    requests.get(f"{server.url}/voila/render/{marker}.ipynb")  # logged after the one above
    deadline = time.monotonic() + 30
    while marker not in server.log() and time.monotonic() < deadline:
        poll(server, 0.2)
    log = server.log()
    lines = [line for line in log.splitlines() if "no_such_lesson" in line and name in line]
    print(f"\nrow 11: ?{name}=CODE: {len(lines)} log lines; code in clear: {code in log}")
    for line in lines[-2:]:
        print("  ", line[:160])
    assert lines, "the request was not logged at all (nothing to check)"
    assert code not in log


# -- row 6: kernels per client and in total ------------------------------------------------------


def test_one_address_gets_no_more_than_its_share_of_kernels(server):
    before = kernels_settled(server)
    memory_before = resident_mb(server)
    with ThreadPoolExecutor(4) as pool:  # 4 at a time, each abandoned after 10 s
        statuses = list(pool.map(lambda _: lesson_request(server, ATTACKER), range(10)))
    after = kernels_settled(server)
    memory_after = resident_mb(server)
    codes = [status for status, _ in statuses]
    print(
        f"\nrow 6: 10 abandoned requests from one address (cap {PER_CLIENT}): kernels "
        f"{before} -> {after}, server + kernels {memory_before} -> {memory_after} MB; "
        f"answers {sorted(codes, key=str)}"
    )
    assert after - before <= PER_CLIENT + POOL  # its share, and the pool's refill
    busy = [response for status, response in statuses if status == 503]
    assert busy, "no request was refused"
    page = busy[0]
    assert page.headers["Retry-After"] == "60"
    assert BUSY in page.text
    assert re.search(r'<meta http-equiv="refresh" content="60">', page.text)
    assert "Traceback" not in page.text


def test_the_server_runs_no_more_than_its_total_of_kernels(server):
    """Many addresses, one request each: the total holds, pre-heated kernels included."""
    answers = []
    for n in range(MAX_KERNELS + 2):
        status, _ = lesson_request(server, f"198.18.0.{n + 1}", timeout=(5, 60))
        answers.append(status)
    running = kernels_settled(server)
    print(
        f"\nrow 6: {len(answers)} visitors from different addresses (total cap {MAX_KERNELS}): "
        f"{running} kernels running, {resident_mb(server)} MB; answers {answers}"
    )
    assert 503 in answers
    assert running <= MAX_KERNELS + POOL  # the cap, and the pool's own refill (never refused)


def test_every_kernel_runs_under_the_memory_ceiling(server):
    ceilings = {}
    for process in kernels(server):
        soft, hard = psutil.Process(process.pid).rlimit(psutil.RLIMIT_DATA)
        ceilings[process.pid] = soft
    print(
        f"\nrow 6: data-size ceilings of {len(ceilings)} kernels (MB): "
        f"{sorted({c // 2**20 if c >= 0 else 'unlimited' for c in ceilings.values()}, key=str)}"
    )
    assert ceilings and all(0 < c <= CEILING_MB * 2**20 for c in ceilings.values())
