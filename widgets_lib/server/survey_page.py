"""``/survey/<token>``: the page a partner school answers a learner's survey on (issue 17).

A small tornado handler on the course's own server: no learner code, no kernel, no script. GET
shows the form (:func:`widgets_lib.html.survey.form_page`), POST keeps an answer. What protects it:

* the token is a secret (:mod:`widgets_lib.survey`); an unknown, expired or stopped link gets one
  message (404), which does not say whether the link ever existed;
* each visitor's wrong links, and their answers, are counted as the course counts wrong codes
  (:mod:`widgets_lib.throttle`: a keyed hash of the visitor's address in the store's ``guesses``
  table; :data:`~widgets_lib.throttle.CLIENT_FREE` free in a quiet period, then a doubling wait):
  past that, 429 with "Try again in N seconds";
* the form's body is read up to :data:`~widgets_lib.survey.MAX_FORM_BYTES` and the rest thrown
  away (413); the answer is checked field by field and kept within the survey's limits;
* tornado's XSRF token (cookie and hidden field) is required on POST;
* a refused answer comes back with everything the partner chose still in the form.

Under JupyterHub the course runs as each participant's own single-user server behind the hub's
login, so a partner cannot reach this page there: :func:`widgets_lib.survey.reachable` is False
and lesson 04 says so.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from typing import Any

from tornado import httputil, web

from ..html.survey import THANKS, form_page, message_page
from ..secret import keyed_hash
from ..store import Store, StoreError, get_store
from ..survey import (
    CLOSED,
    MAX_FORM_BYTES,
    MAX_LEARNER_RESPONSES,
    MAX_PER_VISITOR,
    MAX_RESPONSES,
    TOKEN_CHARS,
    Survey,
    SurveyError,
    parse_form,
    response_text,
)
from ..throttle import CLIENT_FREE, QUIET_S, Tally, failed, retry_words
from .headers import client_address

PATH = r"/survey/([^/]{1,200})"
TOKEN = re.compile(rf"[0-9a-f]{{{TOKEN_CHARS}}}")
TOO_LARGE = (
    "Your answers are larger than this form can take. Please go back and shorten the names "
    "you added."
)
STALE_FORM = (
    "This form could not be sent, because it was open for a long time or your browser refused "
    "the course's cookie. Please open the link again; your answers were not saved."
)
UNAVAILABLE = (
    "The survey cannot be reached just now. Please try again in a few minutes; nothing was saved."
)


@web.stream_request_body
class SurveyHandler(web.RequestHandler):
    """GET shows a survey's form, POST keeps a partner's answer."""

    def initialize(
        self, store: Callable[[], Store] = get_store, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._clock = clock
        self._body = bytearray()
        self._too_large = False
        self._form_read = False

    # -- the body, read up to the limit --------------------------------------------------
    def data_received(self, chunk: bytes) -> None:
        if len(self._body) + len(chunk) > MAX_FORM_BYTES:
            self._too_large = True
            self._body.clear()
        elif not self._too_large:
            self._body.extend(chunk)

    # -- helpers -------------------------------------------------------------------------
    @property
    def _base(self) -> str:
        return self.settings.get("base_url", "/") or "/"

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A store call, off the server's event loop (a busy SQLite database waits)."""
        return await asyncio.get_running_loop().run_in_executor(None, partial(fn, *args))

    def _visitor(self) -> str:
        return client_address(self.request) or ""

    def _tally(self, kind: str, change: Callable[[Tally], Tally]) -> Tally:
        key = keyed_hash("guesses", f"{kind}\x00{self._visitor()}")
        return self._store().tally_guesses(key, change, forget_before=self._clock() - QUIET_S)

    def _show(self, status: int, page: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)

    def _say(self, status: int, heading: str, text: str) -> None:
        self._show(status, message_page(heading, text, self._base))

    async def _wait_due(self, kind: str) -> float:
        """Seconds this visitor must still wait before their next request of ``kind``."""
        tally = await self._run(self._tally, kind, lambda tally: tally)
        return max(0.0, tally.next_at - self._clock())

    async def _count(self, kind: str) -> None:
        await self._run(self._tally, kind, lambda tally: failed(tally, self._clock(), CLIENT_FREE))

    async def _open_survey(self, token: str) -> Survey | None:
        """The open survey the token names, or None after saying so (and counting the miss)."""
        wait = await self._wait_due("survey-link")
        if wait > 0:
            self.set_header("Retry-After", str(int(wait) + 1))
            self._say(429, "Please wait", f"Too many survey links were tried. {retry_words(wait)}")
            return None
        found = (
            await self._run(self._store().survey_by_token, token)
            if TOKEN.fullmatch(token)
            else None
        )
        if found is None or not found.open(datetime.fromtimestamp(self._clock(), timezone.utc)):
            await self._count("survey-link")
            self._say(404, "This survey link does not work", CLOSED)
            return None
        return found

    def _form(self, survey: Survey, status: int = 200, form=None, error: str | None = None) -> None:
        self._show(
            status,
            form_page(survey, self.request.path, self.xsrf_form_html(), self._base, form, error),
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 403:  # tornado's XSRF check
            self._say(403, "This form could not be sent", STALE_FORM)
        else:
            self._say(status_code, "The survey cannot be reached just now", UNAVAILABLE)

    # -- the two requests ----------------------------------------------------------------
    async def get(self, token: str) -> None:
        try:
            survey = await self._open_survey(token)
            if survey is not None:
                self._form(survey)
        except StoreError:
            self._say(503, "The survey cannot be reached just now", UNAVAILABLE)

    async def post(self, token: str) -> None:
        if self._too_large:  # nothing of it was kept, nor is it read
            self._say(413, "Your answers are too large", TOO_LARGE)
            return
        form = self._parsed()
        self._form_read = True
        self.check_xsrf_cookie()  # tornado's (reads the form's _xsrf), whatever xsrf_cookies says
        try:
            survey = await self._open_survey(token)
            if survey is None:
                return
            wait = await self._wait_due("survey-answer")
            if wait > 0:
                self.set_header("Retry-After", str(int(wait) + 1))
                self._form(survey, 429, form, f"Too many answers were sent. {retry_words(wait)}")
                return
            await self._count("survey-answer")
            try:
                response = parse_form(survey, form)
                visitor = keyed_hash("survey-visitor", f"{survey.id}\x00{self._visitor()}")
                received = datetime.fromtimestamp(self._clock(), timezone.utc).isoformat()
                await self._run(
                    self._store().add_response,
                    survey.id,
                    visitor,
                    response_text(response),
                    received,
                    (MAX_RESPONSES, MAX_PER_VISITOR, MAX_LEARNER_RESPONSES),
                )
            except SurveyError as exc:
                self._form(survey, 400, form, str(exc))
                return
            self._say(
                200,
                THANKS,
                f"Your answers for {response.respondent} have reached the colleague who sent "
                "you this link. You can close this page.",
            )
        except StoreError:
            self._say(503, "The survey cannot be reached just now", UNAVAILABLE)

    def check_xsrf_cookie(self) -> None:
        """Tornado's check, once the streamed form has been read: with ``xsrf_cookies`` on,
        tornado also calls it before the body arrives, when the form's token cannot be seen yet."""
        if self._form_read:
            super().check_xsrf_cookie()

    def _parsed(self) -> dict[str, list[str]]:
        """The form's fields as text (bytes that are not UTF-8 become U+FFFD, then fail checks)."""
        arguments: dict[str, list[bytes]] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            httputil.parse_body_arguments(content_type, bytes(self._body), arguments, {})
        # Where tornado's XSRF check looks for the form's token (a streamed body is not parsed).
        self.request.body_arguments = arguments
        for name, values in arguments.items():
            self.request.arguments.setdefault(name, []).extend(values)
        return {
            name: [value.decode("utf-8", "replace") for value in values]
            for name, values in arguments.items()
        }


def survey_handlers(base_url: str = "/") -> list[tuple]:
    """The route to add to the course's server."""
    from jupyter_server.utils import url_path_join

    return [(url_path_join(base_url, PATH), SurveyHandler)]
