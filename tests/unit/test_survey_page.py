"""The partners' survey page (widgets_lib/server/survey_page.py), served by a real tornado server in
this process and spoken to over HTTP as a browser without JavaScript would."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
import requests
import tornado.httpserver
import tornado.testing
import tornado.web

from widgets_lib import secret
from widgets_lib import survey as sv
from widgets_lib.network import Link, Network, School
from widgets_lib.server.survey_page import PATH, SurveyHandler
from widgets_lib.store import Store
from widgets_lib.throttle import CLIENT_FREE

MARKUP = "<img src=x onerror=alert(1)>"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


class SurveyServer:
    """``/survey/<token>`` on a free port, in a thread."""

    def __init__(self, store: Store, clock: Clock) -> None:
        ready = threading.Event()

        async def main() -> None:
            sock, self.port = tornado.testing.bind_unused_port()
            app = tornado.web.Application(
                [(PATH, SurveyHandler, {"store": lambda: store, "clock": clock})],
                xsrf_cookies=True,  # as Jupyter Server sets it (standalone Voila does not)
            )
            server = tornado.httpserver.HTTPServer(app)
            server.add_sockets([sock])
            self.loop = asyncio.get_running_loop()
            self.stop = self.loop.create_future()
            ready.set()
            await self.stop
            server.stop()

        self.thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
        self.thread.start()
        ready.wait(10)

    def url(self, token: str) -> str:
        return f"http://127.0.0.1:{self.port}/survey/{token}"

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set_result, None)
        self.thread.join(10)


@pytest.fixture
def setup(monkeypatch, sqlite_url):
    monkeypatch.setenv("COURSE_SECRET", "s" * 40)
    monkeypatch.setenv("COURSE_TRUSTED_PROXIES", "127.0.0.1")
    secret.server_secret.cache_clear()
    store = Store(sqlite_url)
    store.ensure_learner("learner-1", "code")
    network = Network(
        schools=(School("Ash Primary"), School(MARKUP), School("Cedar High")),
        links=(Link("Ash Primary", MARKUP, level=2),),
    )
    survey = sv.new_survey("learner-1", network, now=NOW)
    store.create_survey(survey, sv.MAX_SURVEYS)
    clock = Clock()
    server = SurveyServer(store, clock)
    yield server, store, survey, clock
    server.close()
    store.dispose()
    secret.server_secret.cache_clear()


def _visitor(address: str = "203.0.113.7") -> requests.Session:
    """A browser at ``address`` (as the trusted proxy on 127.0.0.1 forwards it)."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    return session


def _xsrf(page: str) -> str:
    return re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)


def _send(session: requests.Session, url: str, **fields) -> requests.Response:
    page = session.get(url)
    assert page.status_code == 200, page.text
    return session.post(url, data={"_xsrf": _xsrf(page.text), **fields})


def test_the_form_labels_every_field_and_shows_names_as_text(setup) -> None:
    server, _store, survey, _clock = setup
    page = _visitor().get(server.url(survey.token))
    assert page.status_code == 200
    html = page.text
    assert MARKUP not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html  # works without JavaScript; nothing to run
    assert "the colleague who sent you this link, and only them" in unescape(html)
    for field in re.findall(r'<(?:select|input type="text")[^>]* id="([^"]+)"', html):
        assert f'<label for="{field}">' in html, field
    assert "http" not in re.sub(r'href="/voila/[^"]*"', "", html)  # nothing from elsewhere
    assert page.headers["Cache-Control"] == "no-store"


def test_an_answer_is_kept_and_thanked(setup) -> None:
    server, store, survey, _clock = setup
    reply = _send(
        _visitor(),
        server.url(survey.token),
        respondent="1",
        works_0="yes",
        level_0="4",
        flows_0=["staff", "pupils"],
        works_2="no",
        add_name_0="Elm <b>College</b>",
    )
    assert reply.status_code == 200 and "Thank you" in reply.text
    assert "<b>" not in reply.text
    (row,) = store.responses_of("learner-1")
    import json

    answer = sv.response_from_value(json.loads(row[2]))
    assert answer.respondent == MARKUP
    assert [t.school for t in answer.ties] == ["Ash Primary", "Cedar High", "Elm <b>College</b>"]
    found = sv.reconcile(
        Network(
            schools=(School("Ash Primary"), School(MARKUP), School("Cedar High")),
            links=(Link("Ash Primary", MARKUP, level=2),),
        ),
        [answer],
    )
    assert [f.kind for f in found] == [sv.DISAGREE, sv.NEW_SCHOOL]


def test_a_bad_answer_comes_back_with_one_message_and_the_choices_kept(setup) -> None:
    server, store, survey, _clock = setup
    reply = _send(_visitor(), server.url(survey.token), respondent="0", level_1="7", works_2="yes")
    assert reply.status_code == 400
    text = unescape(reply.text)
    assert text.count('role="alert"') == 1 and "the level is not one of the choices" in text
    assert 'id="works_2_yes" checked' in reply.text  # what was chosen is still chosen
    assert '<option value="0" selected>' in reply.text
    assert store.responses_of("learner-1") == []


@pytest.mark.parametrize("case", ["unknown", "malformed", "expired", "revoked"])
def test_every_closed_link_gets_the_same_message(setup, case) -> None:
    server, store, survey, clock = setup
    token = survey.token
    if case == "unknown":
        token = "0" * sv.TOKEN_CHARS
    elif case == "malformed":
        token = "%3Cscript%3E"
    elif case == "expired":
        clock.now = (NOW + timedelta(days=sv.DAYS_OPEN)).timestamp()
    else:
        store.revoke_survey("learner-1", survey.id, NOW.isoformat())
    reply = _visitor().get(server.url(token))
    assert reply.status_code == 404
    assert sv.CLOSED in unescape(reply.text) and "<script" not in reply.text.lower()
    assert "<form" not in reply.text


def test_a_closed_link_takes_no_answer(setup) -> None:
    server, store, survey, _clock = setup
    session = _visitor()
    page = session.get(server.url(survey.token))
    store.revoke_survey("learner-1", survey.id, NOW.isoformat())
    reply = session.post(
        server.url(survey.token),
        data={"_xsrf": _xsrf(page.text), "respondent": "0", "works_1": "yes"},
    )
    assert reply.status_code == 404 and store.responses_of("learner-1") == []


def test_a_post_without_the_xsrf_token_is_refused(setup) -> None:
    server, store, survey, _clock = setup
    reply = _visitor().post(server.url(survey.token), data={"respondent": "0", "works_1": "yes"})
    assert reply.status_code == 403 and "open the link again" in unescape(reply.text)
    assert store.responses_of("learner-1") == []


def test_a_form_too_large_is_refused_without_being_kept(setup) -> None:
    server, store, survey, _clock = setup
    reply = _send(
        _visitor(), server.url(survey.token), respondent="0", add_name_0="x" * sv.MAX_FORM_BYTES
    )
    assert reply.status_code == 413 and "too large" in reply.text
    assert store.responses_of("learner-1") == []


def test_guessing_links_is_slowed_per_visitor(setup) -> None:
    server, _store, survey, _clock = setup
    guesser = _visitor("198.51.100.1")
    for i in range(CLIENT_FREE + 1):
        assert guesser.get(server.url(f"{i:032x}")).status_code == 404
    refused = guesser.get(server.url(survey.token))  # even the right link waits now
    assert refused.status_code == 429 and "Try again in 1 second" in refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert _visitor("198.51.100.2").get(server.url(survey.token)).status_code == 200


def test_answers_are_capped_per_visitor_and_rate_limited(setup) -> None:
    server, store, survey, _clock = setup
    partner = _visitor("192.0.2.5")
    for _ in range(sv.MAX_PER_VISITOR):
        assert _send(partner, server.url(survey.token), respondent="0", works_1="yes").ok
    capped = _send(partner, server.url(survey.token), respondent="0", works_1="yes")
    assert capped.status_code == 400 and "from your connection" in capped.text
    for _ in range(CLIENT_FREE - sv.MAX_PER_VISITOR):  # the free ones, and one past them
        _send(partner, server.url(survey.token), respondent="0", works_1="yes")
    slowed = _send(partner, server.url(survey.token), respondent="0", works_1="yes")
    assert slowed.status_code == 429 and "Try again in" in slowed.text
    assert len(store.responses_of("learner-1")) == sv.MAX_PER_VISITOR
