"""The course under a real JupyterHub, configured by deploy/ (issue 5, "Many users").

Participants log in to the hub, land on lesson 00 signed in by their hub login (no learner
code), and each one's answers are their own in the shared PostgreSQL database. Only members
of the hub's "tutors" group get COURSE_HUB_TUTOR=1, and a participant's server offers the
course and nothing else: no JupyterLab, no file tree, no way to run code of their own. A tutor
runs a cohort by login, with no tutor key or learner codes: the journey of
tests/browser/test_tutor_journey.py under the hub, on PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.helpers import checked_indexes
from tests.hub.conftest import PARTICIPANTS, TUTOR
from widgets_lib.identity import hub_key

pytestmark = [
    pytest.mark.hub,
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.timeout(900),
]

HOME = "voila/render/00_welcome.ipynb"
LESSON_03 = "voila/render/03_capacity_model.ipynb"
ENABLED_RADIO = ".course-activity input[type=radio]:not([disabled])"


def log_in(context, hub, user: str):
    """Log in on the hub's page; the hub starts the user's server and sends them to lesson 00."""
    page = context.new_page()
    page.goto(hub.url + "/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{user}/{re.escape(HOME)}$"))
    page.get_by_text("Signed in as").wait_for()
    return page


def wait_until_saved(page) -> None:
    page.locator(".course-activity .course-status-saved").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('.course-activity .course-status-saving')"
    )


def test_each_participant_is_signed_in_by_their_hub_login(new_context, hub):
    first, second = PARTICIPANTS
    page = log_in(new_context(), hub, first)
    assert page.locator(".course-identity").inner_text().strip() == (
        f"Signed in as {first}. Your work is saved as you go."
    )
    assert page.get_by_label("Your learner code").count() == 0
    assert page.get_by_role("button", name="Start the course (get a new code)").count() == 0
    assert "learner=" not in page.url

    page.locator("a[href*='03_capacity_model.ipynb']").first.click()
    page.wait_for_url(re.compile(rf"/user/{first}/{re.escape(LESSON_03)}$"))
    page.wait_for_selector(ENABLED_RADIO)
    page.get_by_text(f"Signed in as {first}").wait_for()
    page.locator(".course-item").first.locator("input[type=radio]").nth(2).check()
    wait_until_saved(page)
    answered = checked_indexes(page)
    assert answered[0] == 2 and set(answered[1:]) == {-1}

    page.goto(hub.url + "/hub/logout")
    page.wait_for_url(re.compile(r"/hub/login"))
    page.goto(hub.url + f"/user/{first}/{LESSON_03}")  # logged out: back to the hub's login
    page.wait_for_url(re.compile(r"/hub/login"))
    page.context.close()

    page = log_in(new_context(), hub, second)
    page.goto(hub.url + f"/user/{second}/{LESSON_03}")
    page.wait_for_selector(ENABLED_RADIO)
    page.get_by_text(f"Signed in as {second}").wait_for()
    assert set(checked_indexes(page)) == {-1}, "participant 2 sees participant 1's answers"

    with sa.create_engine(
        hub.course_db.replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=sa.pool.NullPool,
    ).connect() as conn:
        learners = dict(conn.execute(sa.text("SELECT id, kind FROM learners")).all())
        capacity = (
            conn.execute(
                sa.text(
                    "SELECT DISTINCT learner_id FROM answers WHERE activity = 'capacity'"
                    " AND key <> 'attempts'"
                )
            )
            .scalars()
            .all()
        )
        started = (
            conn.execute(
                sa.text("SELECT DISTINCT learner_id FROM answers WHERE activity = 'progress'")
            )
            .scalars()
            .all()
        )
    one, two = hub_key(first), hub_key(second)
    assert one != two
    assert {one: "hub", two: "hub"}.items() <= learners.items()
    assert capacity == [one], "the answer belongs to participant 1 alone"
    assert {one, two} <= set(started), "each participant's visit is recorded under their own id"


def test_only_the_tutor_groups_servers_are_told_they_are_tutors(new_context, hub):
    """Read from the processes the hub started (/proc/<pid>/environ), not from the page."""
    users = (PARTICIPANTS[0], TUTOR)
    for user in users:
        log_in(new_context(), hub, user)
    servers = hub.servers()
    assert set(users) <= servers.keys()
    for user in users:
        server = servers[user]
        expected = "1" if user == TUTOR else ""
        kernels = [
            p for p in server.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())
        ]
        assert kernels, f"{user}'s lesson 00 runs in a kernel of their server"
        for proc in [server, *kernels]:
            env = proc.environ()
            assert env["JUPYTERHUB_USER"] == user
            assert env["COURSE_HUB_TUTOR"] == expected, (user, proc.cmdline())
            assert env["COURSE_DB_URL"] == hub.course_db
        rss = [p.memory_info().rss // 2**20 for p in (server, *kernels)]
        print(f"\n{user}: single-user server {rss[0]} MB, lesson kernels {rss[1:]} MB (resident)")


EXECUTE_OVER_WEBSOCKET = """async (code) => {
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const url = `ws://${location.host}${config.baseUrl}api/kernels/${config.kernelId}/channels`;
  const ws = new WebSocket(url);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error(url)); });
  const seen = [];
  const answered = new Promise(ok => { ws.onmessage = event => {
    const msg = JSON.parse(event.data);
    seen.push([msg.parent_header.msg_id, msg.header.msg_type]);
    const reply = msg.header.msg_type === 'kernel_info_reply';
    if (msg.parent_header.msg_id === 'probe-info' && reply) ok();
  }; });
  const send = (id, type, content) => ws.send(JSON.stringify({channel: 'shell', buffers: [],
    header: {msg_id: id, msg_type: type, username: 'probe', session: 'probe', version: '5.3',
             date: new Date().toISOString()}, parent_header: {}, metadata: {}, content}));
  send('probe-exec', 'execute_request', {code, silent: false, store_history: false,
       user_expressions: {}, allow_stdin: false, stop_on_error: true});
  send('probe-info', 'kernel_info_request', {});  // answered after the execute_request, if it ran
  await answered;
  ws.close();
  return seen;
}"""


def test_a_participants_server_offers_the_course_and_nothing_else(new_context, hub):
    user, other = PARTICIPANTS[1], PARTICIPANTS[0]
    page = log_in(new_context(), hub, user)
    base = f"{hub.url}/user/{user}/"

    for path in ("lab", "tree", "terminals/1", "files/00_welcome.ipynb", "edit/00_welcome.ipynb"):
        response = page.goto(base + path)
        assert response.status in (403, 404), (path, response.status)
        assert "School capacity and networks course" in page.title(), path  # the course's page
        assert page.get_by_role("link", name="Go to the course's welcome page").count() == 1

    page.goto(base + HOME)
    page.get_by_text(f"Signed in as {user}").wait_for()
    statuses = page.evaluate(
        """async (base) => {
      const cookie = document.cookie.match(/_xsrf=([^;]+)/);
      const headers = {'X-XSRFToken': cookie ? decodeURIComponent(cookie[1]) : '',
                       'Content-Type': 'application/json'};
      const post = await fetch(base + 'api/kernels', {method: 'POST', body: '{}', headers});
      const contents = await fetch(base + 'api/contents', {headers});
      const sessions = await fetch(base + 'api/sessions', {headers});
      return [post.status, contents.status, sessions.status];
    }""",
        f"/user/{user}/",
    )
    assert statuses == [403, 403, 403], "a participant must not start kernels or read files"

    marker = hub.folder / f"code-run-by-{user}"
    seen = page.evaluate(
        EXECUTE_OVER_WEBSOCKET, f"open({str(marker)!r}, 'w').write('participant code ran')"
    )
    assert ("probe-info", "kernel_info_reply") in [tuple(s) for s in seen]
    assert not [s for s in seen if s[0] == "probe-exec"], seen
    assert not marker.exists(), "code sent over the kernel's websocket ran"
    assert 'Received message of type "execute_request", which is not allowed' in hub.log()

    response = page.goto(f"{hub.url}/user/{other}/{HOME}")  # another participant's server
    assert response.status in (403, 404, 503), (response.status, page.url)
    assert f"Signed in as {other}" not in page.content()


# -- a cohort, with logins instead of codes, on PostgreSQL -------------------------------------
DASHBOARD = "voila/render/tutor/dashboard.ipynb"
COHORT = "Thursday group <b>2027</b>"
NAMES = {PARTICIPANTS[0]: "Asha <i>Ash Primary</i>", PARTICIPANTS[1]: "Ben"}


def join_cohort(page, join_code: str, name: str, share: bool) -> None:
    """On lesson 00, signed in by the hub login: join with the tutor's code."""
    page.wait_for_selector("button:has-text('Join this cohort'):not([disabled])")
    page.get_by_label("Cohort join code from your tutor").fill(join_code)
    page.get_by_label("Your name as your tutor will see it").fill(name)
    if share:
        page.get_by_label("Share my reflection journal with my tutor").check()
    page.get_by_role("button", name="Join this cohort").click()
    page.get_by_text("You are in the cohort").wait_for()
    joined = page.locator(".course-activity", has_text="You are in the cohort").inner_text()
    assert f"as {name}" in joined


def finish_lesson_03(page, hub, user: str, choice: int) -> None:
    """Answer every statement (as tests/browser/test_tutor_journey.py does, here by login)."""
    page.goto(f"{hub.url}/user/{user}/{LESSON_03}")
    page.wait_for_selector(ENABLED_RADIO)
    page.get_by_text(f"Signed in as {user}").wait_for()
    groups = page.locator(".course-item")
    count = groups.count()
    for i in range(count):
        groups.nth(i).locator("input[type=radio]").nth(choice).check()
    page.get_by_text(f"{count} of {count} statements answered").wait_for()
    page.locator(".course-reading h4").first.wait_for()
    # The lesson is done once its closing reflection is answered too.
    page.wait_for_selector(".course-reflection textarea:not([disabled])")
    reflection = page.locator(".course-activity", has=page.locator(".course-reflection"))
    boxes = reflection.locator(".course-reflection textarea")
    for i in range(boxes.count()):
        boxes.nth(i).fill(f"Answer {i + 1}")
    expect(reflection.locator(".course-save-status")).to_contain_text("✓ All changes saved")
    page.wait_for_function(
        "() => !document.querySelector('.course-activity .course-status-saving')"
    )


def lesson_03_progress(page) -> dict[str, str]:
    """Each participant's lesson 03 cell in the dashboard's progress table, by name."""
    table = page.locator("table:has-text('Progress of each participant')")
    head = table.locator("th[scope=col]").all_inner_texts()
    column = head.index("03") - 1  # the first column is the participant's name, a <th>
    return {
        row.locator("th").inner_text(): row.locator("td").all_inner_texts()[column]
        for row in table.locator("tr").all()[1:]
    }


def test_a_tutor_and_two_participants_form_a_cohort_by_login(new_context, hub):
    tutor = log_in(new_context(), hub, TUTOR)
    tutor.goto(f"{hub.url}/user/{TUTOR}/{DASHBOARD}")
    tutor.get_by_label("Your cohorts").wait_for()  # the tutors group opens cohorts, not a key
    assert tutor.get_by_label("Tutor key").count() == 0
    tutor.get_by_label("Name of the new cohort").fill(COHORT)
    tutor.get_by_role("button", name="Create a cohort").click()
    codes = tutor.locator(".course-code-box .course-code")
    codes.first.wait_for()
    assert codes.count() == 1, "under the hub there is a join code and no tutor key"
    join_code = codes.first.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", join_code)
    assert "tutor key" not in tutor.locator(".course-code-box").inner_text().lower()
    tutor.get_by_text("Progress of each participant").wait_for()
    assert tutor.get_by_text("0 participants").count() == 1

    for (user, name), choice in zip(NAMES.items(), (3, 0), strict=True):
        page = log_in(new_context(), hub, user)
        join_cohort(page, join_code, name, share=user == PARTICIPANTS[0])
        finish_lesson_03(page, hub, user, choice)

    tutor.get_by_role("button", name="Refresh").click()  # the page the tutor kept open
    tutor.get_by_text("2 participants").wait_for()
    assert lesson_03_progress(tutor) == {name: "✓ Done" for name in NAMES.values()}

    tutor.reload()  # a new visit: the cohort is among the tutor's own, by login
    tutor.get_by_label("Your cohorts").select_option(label=f"{COHORT} (open)")
    tutor.get_by_role("button", name="Open this cohort").click()
    tutor.get_by_text("Progress of each participant").wait_for()
    assert tutor.locator("h2", has_text="Thursday group").inner_text() == COHORT
    assert tutor.get_by_text("2 participants").count() == 1
    assert lesson_03_progress(tutor) == {name: "✓ Done" for name in NAMES.values()}
    placements = tutor.locator('table:has-text("Each school\'s placement")').inner_text()
    assert all(name in placements for name in NAMES.values())
    assert tutor.locator("i", has_text="Ash Primary").count() == 0  # names are text, not HTML

    # A participant opening the dashboard on their own server is not a tutor there.
    other = PARTICIPANTS[1]
    page = log_in(new_context(), hub, other)
    page.goto(f"{hub.url}/user/{other}/{DASHBOARD}")
    page.get_by_text("This page is for tutors").wait_for()
    text = page.locator("body").inner_text()
    for secret in (
        *NAMES.values(),
        *PARTICIPANTS,
        "Asha",
        join_code,
        "Thursday group",
        "Progress of each participant",
    ):
        assert secret not in text, secret
    for button in ("Create a cohort", "Open this cohort", "Open the cohort", "Refresh"):
        assert page.get_by_role("button", name=button).count() == 0, button

    with sa.create_engine(
        hub.course_db.replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=sa.pool.NullPool,
    ).connect() as conn:
        cohort_id, owner = conn.execute(
            # The join code is stored only as a keyed hash (issue 15): find the cohort by name.
            sa.text("SELECT id, owner FROM cohorts WHERE name = :name"),
            {"name": COHORT},
        ).one()
        members = conn.execute(
            sa.text(
                "SELECT learner_id, display_name, share_reflections FROM memberships"
                " WHERE cohort_id = :cohort"
            ),
            {"cohort": cohort_id},
        ).all()
    assert owner == hub_key(TUTOR)
    assert sorted(members) == sorted(
        [
            (hub_key(PARTICIPANTS[0]), NAMES[PARTICIPANTS[0]], True),
            (hub_key(PARTICIPANTS[1]), NAMES[PARTICIPANTS[1]], False),
        ]
    )
