"""Widget-message abuse: a raw websocket client in participant A's kernel — enabling disabled
widgets, pressing every button, typing hostile values, opening comms of unknown targets and
sending code — reaches no other participant's data and no tutor function.

Before the abuse a tutor creates a cohort in Chromium, and participant B joins it (sharing the
journal) and writes a reflection with a distinctive text; participant A joins too. Then the test
talks to A's kernel as a script would, over ``/api/kernels/<id>/channels`` with A's cookie, and
keeps every frame the kernel sends. Afterwards: nothing of B's (code, name, text, learner id,
kernel id) nor the tutor key is in any frame; B's rows in the database are unchanged; no cohort
was created, renamed, closed or merged into; A's kernel still answers and A's and B's pages work.
A's cookie cannot open B's kernel, nor list kernels, sessions or files over HTTP.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import websocket

from tests.helpers import OPERATOR_KEY, Offsite, decode_frame
from widgets_lib import identity

pytestmark = pytest.mark.browser

MARK = secrets.token_hex(4).upper()
COHORT = f"Raw socket cohort {MARK}"
B_NAME = f"Bea Quill {MARK}"
B_TEXT = f"B-PRIVATE-{MARK}: our heads fell out over the budget and nobody told the governors."
DASHBOARD = "/voila/render/tutor/dashboard.ipynb"
SAVED = "✓ All changes saved"
# Words only the tutor's dashboard shows: none may reach a participant's kernel messages.
TUTOR_WORDS = (
    "Open the cohort",
    "Create a cohort",
    "Merge these two schools",
    "Prepare the exports",
    "Close the cohort to new members",
    "Tutor key",
    "Progress of each participant",
    "cohort.csv",
    "Name of the new cohort",
    "Undo this merge",
)
# What a script might type into any text box. Never "DELETE" (that would delete A's own data,
# which A may do; it is not what is tested here).
HOSTILE_TEXTS = [
    "",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "'; DROP TABLE answers; --",
    "../../course.db",
    "K7PM-3XQA-9TRE",  # a well-formed learner code that belongs to no one
    "HX4M-9QTA",
    "\x00\x07\u202e\ufeff control characters",
    "{{7*7}} ${7*7} %s%n",
    "x" * 1_000_000,
]
HOSTILE_INDEXES = [10**9, -1, "1", None, [0, 1], 3.5]
HOSTILE_NUMBERS = [10**18, -(10**18), "NaN", None, 1e308, [1]]
HOSTILE_BOOLS = [True, "yes", None, 7, False]
WIDGET_PROTOCOL = "2.1.0"
CONTROL_PROTOCOL = "1.0.0"


# -- the raw client --------------------------------------------------------------------------
class RawKernel:
    """A kernel's websocket opened the way a script would; every frame received is kept."""

    def __init__(self, server_url: str, kernel_id: str, cookie: str) -> None:
        url = (
            server_url.replace("http://", "ws://", 1)
            + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        )
        self.ws = websocket.create_connection(url, cookie=cookie, timeout=60)
        self.frames: list[bytes] = []
        self.messages: list[dict] = []
        self.sent = 0
        self.closed = False
        self.last_frame = time.monotonic()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:  # noqa: BLE001 - the connection ended; recorded below
                self.closed = True
                return
            if not frame:  # the connection was closed
                self.closed = True
                return
            raw = frame if isinstance(frame, bytes) else frame.encode("utf-8")
            message = decode_frame(frame)
            with self._lock:
                self.frames.append(raw)
                self.messages.append(message)
                self.last_frame = time.monotonic()

    def send(
        self, msg_type: str, content: dict, channel: str = "shell", metadata: dict | None = None
    ) -> str:
        msg_id = uuid.uuid4().hex
        message = {
            "header": {
                "msg_id": msg_id,
                "msg_type": msg_type,
                "username": "script",
                "session": uuid.uuid4().hex,
                "date": "",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        self.ws.send(json.dumps(message))
        self.sent += 1
        return msg_id

    def comm_msg(self, comm_id: str, data: dict) -> str:
        return self.send(
            "comm_msg", {"comm_id": comm_id, "data": data}, metadata={"version": WIDGET_PROTOCOL}
        )

    def replies(self, msg_id: str) -> list[dict]:
        with self._lock:
            return [m for m in self.messages if m.get("parent_header", {}).get("msg_id") == msg_id]

    def wait_reply(self, msg_id: str, msg_type: str, timeout_s: float = 120) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [m for m in self.replies(msg_id) if m["header"]["msg_type"] == msg_type]
            if found:
                return found[0]
            assert not self.closed, "the kernel's websocket closed"
            time.sleep(0.1)
        raise AssertionError(f"no {msg_type} in {timeout_s}s")

    def settle(self, quiet_s: float = 3.0, timeout_s: float = 300) -> None:
        """Wait until the kernel has answered everything sent: a kernel_info_reply (the shell
        queue is in order), then no frame at all for ``quiet_s``."""
        self.wait_reply(self.send("kernel_info_request", {}), "kernel_info_reply", timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() - self.last_frame < quiet_s:
            assert time.monotonic() < deadline, "the kernel kept sending"
            time.sleep(0.2)

    def widget_states(self) -> dict[str, dict]:
        """Every widget of the kernel, as the page's widget manager asks for them."""
        comm_id = uuid.uuid4().hex
        self.send(
            "comm_open",
            {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": CONTROL_PROTOCOL},
        )
        asked = self.send(
            "comm_msg",
            {"comm_id": comm_id, "data": {"method": "request_states"}},
            metadata={"version": CONTROL_PROTOCOL},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for message in self.replies(asked):
                data = message["content"].get("data", {})
                if (
                    message["header"]["msg_type"] == "comm_msg"
                    and data.get("method") == "update_states"
                ):
                    return data["states"]
            time.sleep(0.1)
        raise AssertionError("the kernel sent no widget states")

    def all_bytes(self) -> bytes:
        """Every frame, and every base64 payload in them decoded (downloads are data: links)."""
        with self._lock:
            joined = b"\n".join(self.frames)
        decoded = [
            base64.b64decode(found + b"=" * (-len(found) % 4), validate=False)
            for found in re.findall(rb"base64,([A-Za-z0-9+/]+=*)", joined)
        ]
        return b"\n".join([joined, *decoded])

    def close(self) -> None:
        self.ws.close()


# -- the database ----------------------------------------------------------------------------
def rows(engine: sa.Engine, sql: str, **params: Any) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.text(sql), params))


def snapshot(engine: sa.Engine, b_id: str) -> dict[str, list[tuple]]:
    """B's rows, and everything only a tutor changes."""
    return {
        "b_learner": rows(engine, "SELECT * FROM learners WHERE id = :b", b=b_id),
        "b_answers": rows(engine, "SELECT * FROM answers WHERE learner_id = :b", b=b_id),
        "b_revisions": rows(engine, "SELECT * FROM revisions WHERE learner_id = :b", b=b_id),
        "b_membership": rows(engine, "SELECT * FROM memberships WHERE learner_id = :b", b=b_id),
        "cohorts": rows(engine, "SELECT * FROM cohorts"),
        "merges": rows(engine, "SELECT * FROM merges"),
    }


# -- the scene: a tutor, B and A in Chromium ---------------------------------------------------
def kernel_of(page) -> str:
    return page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )


def cookie_header(context) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


def wait_saved(page, activity) -> None:
    activity.locator(".course-save-status", has_text=SAVED).wait_for(timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('.course-status-saving')", timeout=120_000
    )


def start_and_join(page, server, join_code: str, name: str, share: bool) -> str:
    page.goto(server.url + "/voila/render/00_welcome.ipynb")
    page.get_by_role("button", name="Start the course (get a new code)").click()
    code = page.locator(".course-code").inner_text(timeout=120_000).strip()
    page.wait_for_selector("button:has-text('Join this cohort'):not([disabled])", timeout=120_000)
    if share:
        page.get_by_label("Share my reflection journal with my tutor").check()
    page.get_by_label("Cohort join code from your tutor").fill(join_code)
    page.get_by_label("Your name as your tutor will see it").fill(name)
    page.get_by_role("button", name="Join this cohort").click()
    page.get_by_text("You are in the cohort").wait_for(timeout=120_000)
    return code


@pytest.fixture(scope="module")
def scene(browser, course_server):
    offsite, dialogs, contexts = Offsite(course_server), [], []

    def new_context():
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 1000})
        context.set_default_timeout(60_000)
        context.set_default_navigation_timeout(120_000)
        context.route("**/*", offsite.route)
        context.on(
            "page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        )
        contexts.append(context)
        return context

    engine = sa.create_engine(
        f"sqlite:///{course_server.log_path.parent / 'course.db'}", poolclass=sa.pool.NullPool
    )
    try:
        tutor = new_context().new_page()
        tutor.goto(course_server.url + DASHBOARD)
        tutor.get_by_label("Name of the new cohort").fill(COHORT)
        tutor.get_by_label("Operator key").fill(OPERATOR_KEY)
        tutor.get_by_role("button", name="Create a cohort").click()
        key_box = tutor.locator("input.course-key")
        key_box.wait_for(timeout=120_000)
        tutor_key = key_box.input_value()
        join_code = tutor.locator(".course-code-box .course-code").inner_text().strip()
        tutor.get_by_role("button", name="I have written the key down").click()

        b_context = new_context()
        b_page = b_context.new_page()
        b_code = start_and_join(b_page, course_server, join_code, B_NAME, share=True)
        b_page.goto(f"{course_server.url}/voila/render/01_why_networks.ipynb?learner={b_code}")
        box = b_page.locator(".course-reflection textarea").first
        b_page.wait_for_selector(".course-reflection textarea:not([disabled])", timeout=120_000)
        box.fill(B_TEXT)
        wait_saved(b_page, b_page.locator(".course-activity", has=box))
        b_id = identity.code_key(b_code)
        assert any(
            B_TEXT in r[3]
            for r in rows(engine, "SELECT * FROM answers WHERE learner_id = :b", b=b_id)
        ), "B's reflection is not in the database"

        a_context = new_context()
        a_page = a_context.new_page()
        a_code = start_and_join(a_page, course_server, join_code, "Asha", share=False)
        yield SimpleNamespace(
            server=course_server,
            engine=engine,
            join_code=join_code,
            tutor_key=tutor_key,
            a_context=a_context,
            a_page=a_page,
            a_code=a_code,
            a_kernel=kernel_of(a_page),
            a_cookie=cookie_header(a_context),
            b_page=b_page,
            b_code=b_code,
            b_id=b_id,
            b_kernel=kernel_of(b_page),
            before=snapshot(engine, b_id),
            results={},
        )
    finally:
        for context in contexts:
            context.close()
        engine.dispose()
    assert offsite.requests == [], f"requests left the course server: {offsite.requests}"
    assert dialogs == [], f"a script opened a dialog: {dialogs}"


def secrets_of_others(scene) -> dict[str, bytes]:
    """What A's kernel must never send: B's code (as typed and as stored), name, text, learner id
    and kernel id, and the tutor key."""
    return {
        "B's code": scene.b_code.encode(),
        "B's code without dashes": scene.b_code.replace("-", "").encode(),
        "B's name": B_NAME.encode(),
        "B's reflection": f"B-PRIVATE-{MARK}".encode(),
        "B's learner id": scene.b_id.encode(),
        "B's kernel id": scene.b_kernel.encode(),
        "the tutor key": scene.tutor_key.encode(),
        "the tutor key without dashes": scene.tutor_key.replace("-", "").encode(),
    }


# -- the abuse -------------------------------------------------------------------------------
def abuse(kernel: RawKernel, states: dict[str, dict]) -> dict[str, int]:
    """Everything a script can say to widgets: returns how many of each kind it sent."""
    counts = {"enable": 0, "value": 0, "click": 0, "custom": 0, "unknown comm": 0}
    buttons = sorted(
        (m for m, s in states.items() if s["model_name"] == "ButtonModel"),
        key=lambda m: states[m]["state"].get("description", ""),
    )
    texts = [
        m
        for m, s in states.items()
        if s["model_name"] in ("TextModel", "TextareaModel", "PasswordModel", "ComboboxModel")
    ]
    choices = [
        m for m, s in states.items() if "index" in s["state"] and "_options_labels" in s["state"]
    ]
    numbers = [m for m, s in states.items() if re.search(r"(Int|Float)", s["model_name"])]
    bools = [
        m for m, s in states.items() if s["model_name"] in ("CheckboxModel", "ToggleButtonModel")
    ]
    uploads = [m for m, s in states.items() if s["model_name"] == "FileUploadModel"]

    for (
        model_id,
        widget,
    ) in states.items():  # switch on everything that is off, show everything hidden
        if "disabled" in widget["state"]:
            kernel.comm_msg(
                model_id, {"method": "update", "state": {"disabled": False}, "buffer_paths": []}
            )
            counts["enable"] += 1
        if widget["model_name"] == "LayoutModel":
            kernel.comm_msg(
                model_id,
                {
                    "method": "update",
                    "state": {"display": None, "visibility": None},
                    "buffer_paths": [],
                },
            )
            counts["enable"] += 1
    for round_number, text in enumerate(HOSTILE_TEXTS):
        for model_id in texts:
            kernel.comm_msg(
                model_id, {"method": "update", "state": {"value": text}, "buffer_paths": []}
            )
            counts["value"] += 1
        for model_id in choices:
            size = len(states[model_id]["state"]["_options_labels"])
            for index in [*HOSTILE_INDEXES, round_number % max(size, 1)]:
                kernel.comm_msg(
                    model_id, {"method": "update", "state": {"index": index}, "buffer_paths": []}
                )
                counts["value"] += 1
        for model_id in numbers:
            for number in HOSTILE_NUMBERS:
                kernel.comm_msg(
                    model_id, {"method": "update", "state": {"value": number}, "buffer_paths": []}
                )
                counts["value"] += 1
        for model_id in bools:
            value = HOSTILE_BOOLS[round_number % len(HOSTILE_BOOLS)]
            kernel.comm_msg(
                model_id, {"method": "update", "state": {"value": value}, "buffer_paths": []}
            )
            counts["value"] += 1
        for model_id in uploads:
            kernel.comm_msg(
                model_id,
                {
                    "method": "update",
                    "buffer_paths": [],
                    "state": {
                        "value": [
                            {
                                "name": "../../course.db",
                                "type": "text/csv",
                                "size": 10**12,
                                "last_modified": 0,
                                "content": text[:1000],
                            }
                        ]
                    },
                },
            )
            counts["value"] += 1
        for model_id in buttons:
            kernel.comm_msg(model_id, {"method": "custom", "content": {"event": "click"}})
            counts["click"] += 1
        kernel.settle()
    for model_id in states:  # messages no page sends
        for data in (
            {"method": "custom", "content": {"event": "click"}},
            {"method": "custom", "content": {"event": "submit", "value": "x"}},
            {"method": "backdoor", "state": {"value": 1}},
            {
                "method": "update",
                "state": {"no_such_trait": 1, "_model_name": "DashboardModel"},
                "buffer_paths": [],
            },
        ):
            kernel.comm_msg(model_id, data)
            counts["custom"] += 1
    for target, data, version in (
        ("widgets_lib.cohort_figures", {}, WIDGET_PROTOCOL),
        ("widgets_lib.views.dashboard.Dashboard", {"state": {}}, WIDGET_PROTOCOL),
        (
            "jupyter.widget",
            {
                "state": {
                    "_model_name": "DashboardModel",
                    "_model_module": "x",
                    "_model_module_version": "1",
                    "_view_name": "x",
                    "_view_module": "x",
                    "_view_module_version": "1",
                }
            },
            WIDGET_PROTOCOL,
        ),
        ("jupyter.widget", {"state": {}}, "99.0.0"),
        ("jupyter.widget.control", {}, CONTROL_PROTOCOL),
        ("comm", {"code": "import os"}, WIDGET_PROTOCOL),
    ):
        comm_id = uuid.uuid4().hex
        kernel.send(
            "comm_open",
            {"comm_id": comm_id, "target_name": target, "data": data},
            metadata={"version": version},
        )
        kernel.comm_msg(comm_id, {"method": "request_states"})
        kernel.comm_msg(comm_id, {"method": "custom", "content": {"event": "click"}})
        counts["unknown comm"] += 3
    kernel.send(
        "comm_msg", {"comm_id": uuid.uuid4().hex, "data": {"method": "update", "state": {}}}
    )
    kernel.send("comm_close", {"comm_id": uuid.uuid4().hex, "data": {}})
    counts["unknown comm"] += 2
    kernel.settle()
    return counts


@pytest.mark.timeout(1800)  # pages and thousands of messages on a loaded 2-core machine
@pytest.mark.parametrize(
    "lesson, signed_in",
    [
        ("00_welcome.ipynb", False),  # cohort and privacy controls disabled until A starts
        ("04_draw_your_network.ipynb", True),  # forms, choices, file upload
    ],  # (lesson 00 signed in and lesson 08 were tried too: 693 and 1,748 messages, nothing
    # reached; left out of the suite to keep it within CI's time)
    ids=["00-not-signed-in", "04"],
)
def test_widget_messages_reach_no_one_else(scene, lesson, signed_in):
    page = scene.a_context.new_page()
    try:
        if signed_in:
            page.goto(f"{scene.server.url}/voila/render/{lesson}?learner={scene.a_code}")
            page.get_by_text(f"Your learner code: {scene.a_code}").wait_for(timeout=120_000)
        else:
            page.goto(f"{scene.server.url}/voila/render/{lesson}")
            page.get_by_role("button", name="Start the course (get a new code)").wait_for(
                timeout=120_000
            )
        kernel = RawKernel(scene.server.url, kernel_of(page), cookie_header(scene.a_context))
        try:
            kernel.settle()
            before = kernel.widget_states()
            disabled = sorted(
                str(s["state"].get("description") or s["model_name"])
                for s in before.values()
                if s["state"].get("disabled")
            )
            counts = abuse(kernel, before)
            after = kernel.widget_states()
            alive = kernel.wait_reply(kernel.send("kernel_info_request", {}), "kernel_info_reply")
            received, everything = len(kernel.frames), kernel.all_bytes()
        finally:
            kernel.close()
        model = requests.get(
            f"{scene.server.url}/api/kernels/{kernel_of(page)}",
            headers={"Cookie": cookie_header(scene.a_context)},
            timeout=60,
        )
    finally:
        page.close()
    scene.results[f"widget messages {lesson} {signed_in}"] = (kernel.sent, received)
    print(
        f"\n{lesson} (signed in: {signed_in}): {len(before)} widgets, {len(disabled)} disabled"
        f" {disabled}; sent {kernel.sent} messages {counts}; received {received} frames"
        f" ({len(everything):,} bytes)"
    )

    if not signed_in:
        assert {"Join this cohort", "Delete all my data for good"} <= set(disabled)
    assert alive["content"]["status"] == "ok", "A's kernel stopped answering"
    assert model.status_code == 200 and model.json()["execution_state"] in ("idle", "busy")
    for what, secret in secrets_of_others(scene).items():
        assert secret not in everything, f"{what} reached A's raw socket"
    described = json.dumps([s["state"] for s in after.values()])
    for word in TUTOR_WORDS:
        assert word.encode() not in everything, f"tutor text {word!r} reached A's raw socket"
        assert word not in described, f"A's kernel holds a tutor widget: {word!r}"
    assert snapshot(scene.engine, scene.b_id) == scene.before, "B's rows or the cohorts changed"


@pytest.mark.timeout(600)
def test_code_sent_to_a_kernel_never_runs(scene, tmp_path):
    """Voila's server drops every message but widget ones (voila/app.py ``allowed_message_types``):
    code sent on any channel, in any message type that could run or inspect it, never runs."""
    marker = tmp_path / "code-ran"
    log_before = scene.server.log().count("which is not allowed")
    db_file = str(scene.server.log_path.parent / "course.db")
    write = f"open({str(marker)!r}, 'w').write"
    codes = [
        f"{write}('ran')",
        (
            f"import sqlite3; {write}(str(sqlite3.connect({db_file!r})"
            ".execute('select * from answers').fetchall()))"
        ),
        (
            f"from widgets_lib.store import get_store; {write}(str(get_store()"
            f".load_everything({scene.b_id!r})))"
        ),
        f"import os; {write}(str(os.environ))",
    ]
    kernel = RawKernel(scene.server.url, scene.a_kernel, scene.a_cookie)
    sent: list[str] = []
    try:
        kernel.settle()
        for code in codes:
            execute = {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {"x": code},
                "allow_stdin": False,
                "stop_on_error": False,
            }
            for channel in ("shell", "control"):
                sent.append(kernel.send("execute_request", execute, channel))
            sent.append(
                kernel.send("inspect_request", {"code": code, "cursor_pos": 3, "detail_level": 1})
            )
            sent.append(kernel.send("complete_request", {"code": code, "cursor_pos": len(code)}))
            sent.append(kernel.send("is_complete_request", {"code": code}))
            sent.append(
                kernel.send(
                    "history_request",
                    {"output": True, "raw": True, "hist_access_type": "tail", "n": 100},
                )
            )
            sent.append(
                kernel.send(
                    "debug_request",
                    {
                        "seq": 1,
                        "type": "request",
                        "command": "evaluate",
                        "arguments": {"expression": code},
                    },
                    "control",
                )
            )
            sent.append(kernel.send("input_reply", {"value": code}, "stdin"))
            sent.append(kernel.send("interrupt_request", {}, "control"))
        kernel.settle(quiet_s=5.0)
        answered = [m["header"]["msg_type"] for msg_id in sent for m in kernel.replies(msg_id)]
        log_after = scene.server.log().count("which is not allowed")
    finally:
        kernel.close()
    scene.results["code messages"] = len(sent)
    print(
        f"\n{len(sent)} code messages sent; the server logged {log_after - log_before} refusals; "
        f"the kernel answered {answered}"
    )
    assert not marker.exists(), f"code sent over the websocket ran: {marker.read_text()[:300]}"
    assert answered == [], f"the kernel answered code messages: {answered}"
    assert log_after - log_before == len(sent), "not every code message was refused by the server"


@pytest.mark.timeout(300)
def test_a_cannot_list_or_open_other_kernels_over_http(scene):
    base, cookie = scene.server.url, {"Cookie": scene.a_cookie}
    statuses = {}
    for path in [
        "/api/kernels",
        "/api/sessions",
        "/api/contents",
        "/api/contents/00_welcome.ipynb",
        "/api/kernelspecs",
        "/api/terminals",
    ]:
        statuses[path] = requests.get(base + path, headers=cookie, timeout=60).status_code
    statuses["GET B's kernel"] = requests.get(
        f"{base}/api/kernels/{scene.b_kernel}", headers=cookie, timeout=60
    ).status_code
    statuses["DELETE B's kernel"] = requests.delete(
        f"{base}/api/kernels/{scene.b_kernel}", headers=cookie, timeout=60
    ).status_code
    statuses["start a kernel"] = requests.post(
        f"{base}/api/kernels", headers=cookie, timeout=60
    ).status_code
    try:
        socket = websocket.create_connection(
            f"{base.replace('http://', 'ws://')}/api/kernels/{scene.b_kernel}/channels",
            cookie=scene.a_cookie,
            timeout=60,
        )
        statuses["B's kernel websocket"] = socket.getstatus()
        socket.close()
    except websocket.WebSocketBadStatusException as refused:
        statuses["B's kernel websocket"] = refused.status_code
    # Voila's pre-heating socket answered any kernel id with that kernel's query string; the
    # course's server lets only the kernel itself (with its own key) read it: refused, or at the
    # least nothing of B's.
    heard = ""
    try:
        query = websocket.create_connection(
            f"{base.replace('http://', 'ws://')}/voila/query/{scene.b_kernel}",
            cookie=scene.a_cookie,
            timeout=5,
        )
    except websocket.WebSocketBadStatusException as refused:
        statuses["B's kernel query socket"] = refused.status_code
    else:
        try:
            heard = query.recv()
        except websocket.WebSocketTimeoutException:
            heard = ""
        finally:
            query.close()
        statuses["B's kernel query socket"] = f"opened, said {heard!r}"
    scene.results["http"] = statuses
    print(f"\nWith A's cookie: {statuses}")
    assert all(
        statuses[p] == 404
        for p in [
            "/api/kernels",
            "/api/sessions",
            "/api/contents",
            "/api/contents/00_welcome.ipynb",
            "/api/kernelspecs",
            "/api/terminals",
        ]
    ), statuses
    assert statuses["GET B's kernel"] == 403
    assert statuses["DELETE B's kernel"] == 403
    assert statuses["start a kernel"] in (403, 404, 405)
    assert statuses["B's kernel websocket"] == 403
    assert scene.b_code not in heard and scene.b_code.replace("-", "") not in heard
    own = requests.get(f"{base}/api/kernels/{scene.a_kernel}", headers=cookie, timeout=60)
    assert own.status_code == 200  # A's own kernel is A's


@pytest.mark.timeout(600)
def test_both_pages_still_work_and_b_is_untouched(scene):
    assert snapshot(scene.engine, scene.b_id) == scene.before
    # A's page: the lesson opens with A's code, and A's data can still be prepared for download.
    a = scene.a_page
    a.goto(f"{scene.server.url}/voila/render/00_welcome.ipynb?learner={scene.a_code}")
    a.get_by_text(f"Your learner code: {scene.a_code}").wait_for(timeout=120_000)
    a.wait_for_selector(
        "button:has-text('Prepare my data to download'):not([disabled])", timeout=120_000
    )
    a.get_by_role("button", name="Prepare my data to download").click()
    a.get_by_role("link", name="my-course-data.json").wait_for(timeout=120_000)
    assert B_NAME not in a.locator("body").inner_text()
    # B's page, open all along: B's text is there and B can still write and save.
    b = scene.b_page
    box = b.locator(".course-reflection textarea").first
    assert box.input_value() == B_TEXT
    box.fill(B_TEXT + " Still mine.")
    deadline = time.monotonic() + 120
    while not any(
        (B_TEXT + " Still mine.") in r[0]
        for r in rows(scene.engine, "SELECT value FROM answers WHERE learner_id = :b", b=scene.b_id)
    ):
        assert time.monotonic() < deadline, "B's page no longer saves"
        time.sleep(0.5)
    wait_saved(b, b.locator(".course-activity", has=box))
    print(f"\nmessages: {scene.results}")
