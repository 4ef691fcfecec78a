"""Asking the partner schools (issue 17): a survey link and the answers it brings back (pure Python).

A learner creates a link for their network in lesson 04. A colleague in a partner school opens it
without a learner code, says which school of the network they answer for and, for each other
school (and up to :data:`MAX_ADDED` they add), whether the two work together, at what level, what
flows and how much they trust each other. Their answers are ties *reported by that school*;
:func:`reconcile` compares them with the learner's own network, and :func:`accept` turns one into
a change of that network through the :class:`~widgets_lib.network.Network` model's own checks.

**The link is a secret**, as learner codes are: its token is a keyed hash of the survey's random
id under the server's secret (:mod:`widgets_lib.secret`), so the learner's page can show the
address again at any time while the database holds only a keyed hash of the token. A link stops
working when it expires (:data:`DAYS_OPEN` days) or the learner stops it; wrong and stale links
get one message that does not say whether a link ever existed.

**Limits.** A survey asks about at most :data:`MAX_SCHOOLS` schools; an answer names at most
:data:`MAX_ADDED` more schools of at most ``network.MAX_NAME`` characters, and is stored as at
most :data:`MAX_RESPONSE_CHARS` characters of JSON. A survey keeps at most
:data:`MAX_RESPONSES` answers, at most :data:`MAX_PER_VISITOR` from one visitor, and a learner at
most :data:`MAX_LEARNER_RESPONSES` in all (the store checks the counts in the write).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from . import CourseError
from .network import (
    FLOWS,
    LEVELS,
    MAX_NAME,
    TRUST_LABELS,
    EditError,
    Link,
    Network,
    School,
    _same,
    check_link,
    check_school_name,
    link_key,
    report_value_words,
    reported_value,
    too_long,
)
from .secret import keyed_hash

DAYS_OPEN = 30
MAX_SCHOOLS = 60  # a form about more schools than this is too long to answer with care
MAX_ADDED = 3  # schools a partner may add
MAX_RESPONSES = 50  # answers one survey keeps
MAX_PER_VISITOR = 5  # answers one visitor may send to one survey (a shared school address)
MAX_LEARNER_RESPONSES = 200  # answers one learner keeps across all their surveys
MAX_SURVEYS = 20  # links one learner may have made (stopped ones included) until they delete some
MAX_FORM_BYTES = 64 * 1024  # the largest form the partner's page accepts
MAX_RESPONSE_CHARS = 32_000  # (MAX_SCHOOLS + MAX_ADDED) ties of at most ~350 characters each
TOKEN_CHARS = 32  # 128 bits of a keyed hash
ID_BYTES = 12

# What each tie found by reconcile() is, and the words the learner reads for it.
CONFIRMED = "confirmed"  # both sides report it, levels agree (or one side gave none)
DISAGREE = "disagree"  # both sides report it, at different levels
THEIRS_ONLY = "theirs_only"  # only the partner reports it
YOURS_ONLY = "yours_only"  # only the learner's network has it; the partner said they do not
NEW_SCHOOL = "new_school"  # the partner works with a school the network does not have
KIND_WORDS = {
    CONFIRMED: "confirmed by both sides",
    DISAGREE: "confirmed by both sides; the two sides disagree on level",
    THEIRS_ONLY: "only they report it",
    YOURS_ONLY: "only you report it",
    NEW_SCHOOL: "only they report it: a school not in your network",
}


class SurveyError(CourseError):
    """An answer or a request that cannot be kept; the message names what and where."""


CLOSED = (
    "This survey link does not work: it may have been mistyped, stopped by the person who sent "
    "it, or it may have expired. Please ask them for a new link."
)


@dataclass(frozen=True)
class Survey:
    id: str
    learner_id: str
    schools: tuple[str, ...]
    created_at: str
    expires_at: str
    revoked_at: str | None = None

    def open(self, now: datetime | None = None) -> bool:
        """Whether partners can still answer."""
        moment = now or datetime.now(timezone.utc)
        return self.revoked_at is None and moment < datetime.fromisoformat(self.expires_at)

    @property
    def token(self) -> str:
        """The secret in the link's address (derived, never stored)."""
        return survey_token(self.id)


def survey_token(survey_id: str) -> str:
    return keyed_hash("survey-link", survey_id)[:TOKEN_CHARS]


def reachable() -> bool:
    """Whether partners can reach survey pages on this server: not under JupyterHub, where the
    course is each participant's own server behind the hub's login (no route is added there)."""
    return not os.environ.get("JUPYTERHUB_USER")


PUBLIC_URL_ENV = "COURSE_PUBLIC_URL"
_HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def survey_url(token: str, env: Mapping[str, str] | None = None) -> str:
    """The full address of a survey's page, for the learner to copy.

    ``COURSE_PUBLIC_URL`` (the course's address as partners reach it, e.g.
    ``https://course.example.org/``) when the operator set it; otherwise the host and port the
    learner's own page was requested at (as Voila tells the kernel), over plain HTTP."""
    env = os.environ if env is None else env
    public = env.get(PUBLIC_URL_ENV, "").strip()
    if public:
        return f"{public.rstrip('/')}/survey/{token}"
    host = env.get("SERVER_NAME", "")
    host = host if _HOST.fullmatch(host) else "127.0.0.1"
    port = env.get("SERVER_PORT", "")
    port = f":{port}" if port.isdigit() and port not in ("80", "") else ""
    base = env.get("VOILA_BASE_URL", "/") or "/"
    base = base if re.fullmatch(r"/[A-Za-z0-9._~/\-]*", base) else "/"
    return f"http://{host}{port}{base.rstrip('/')}/survey/{token}"


def token_key(token: str) -> str:
    """The stored form of a link's token, to find its survey."""
    return keyed_hash("survey", token)


def new_survey(
    learner_id: str, network: Network, now: datetime | None = None, days: int = DAYS_OPEN
) -> Survey:
    """A fresh survey asking about the network's schools."""
    if len(network.schools) < 2:
        raise SurveyError("Add at least two schools to your network before asking partners.")
    if len(network.schools) > MAX_SCHOOLS:
        raise SurveyError(
            f"Your network has {len(network.schools):,} schools; a survey asks about at most "
            f"{MAX_SCHOOLS}, so that partners can answer it with care."
        )
    start = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    return Survey(
        id=secrets.token_hex(ID_BYTES),
        learner_id=learner_id,
        schools=tuple(network.names),
        created_at=start.isoformat(),
        expires_at=(start + timedelta(days=days)).isoformat(),
    )


def date_words(stamp: str) -> str:
    """``3 January 2027``."""
    when = datetime.fromisoformat(stamp)
    return f"{when.day} {when:%B %Y}"


@dataclass(frozen=True)
class Tie:
    """One school's answer about one other school."""

    school: str
    works: bool
    level: int | None = None
    flows: tuple[str, ...] = ()
    trust: int | None = None


@dataclass(frozen=True)
class Response:
    respondent: str  # the school of the network they answer for
    ties: tuple[Tie, ...]
    id: int = 0  # the store's row id (0 until stored)
    received_at: str = ""

    def to_value(self) -> dict:
        return {
            "respondent": self.respondent,
            "ties": [
                {
                    "school": t.school,
                    "works": t.works,
                    "level": t.level,
                    "flows": list(t.flows),
                    "trust": t.trust,
                }
                for t in self.ties
            ],
        }


def response_text(response: Response) -> str:
    """The JSON text stored for an answer, or :class:`SurveyError` when it is too large."""
    text = json.dumps(response.to_value(), ensure_ascii=False, separators=(",", ":"))
    if len(text) > MAX_RESPONSE_CHARS:
        raise SurveyError(f"This answer {too_long(len(text), MAX_RESPONSE_CHARS)}")
    return text


def response_from_value(value: Mapping, response_id: int = 0, received_at: str = "") -> Response:
    """An answer as stored (checked again: the database is not trusted to hold only our JSON)."""
    ties = tuple(
        Tie(
            school=str(t["school"])[:MAX_NAME],
            works=bool(t["works"]),
            level=t["level"] if t.get("level") in LEVELS else None,
            flows=tuple(f for f in t.get("flows", ()) if f in FLOWS),
            trust=t["trust"] if t.get("trust") in TRUST_LABELS else None,
        )
        for t in list(value.get("ties", ()))[: MAX_SCHOOLS + MAX_ADDED]
    )
    return Response(str(value["respondent"])[:MAX_NAME], ties, response_id, received_at)


# -- the partner's form -------------------------------------------------------------------------
def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _number(text: str, allowed: Iterable[int], what: str) -> int | None:
    if text == "":
        return None
    if not text.isdigit() or int(text) not in set(allowed):
        raise SurveyError(f"{what} is not one of the choices offered.")
    return int(text)


def _flows(form: Mapping[str, Sequence[str]], name: str, what: str) -> tuple[str, ...]:
    chosen = form.get(name) or []
    if len(chosen) > len(FLOWS) or any(f not in FLOWS for f in chosen):
        raise SurveyError(f"{what}: what flows is not one of the choices offered.")
    return tuple(f for f in FLOWS if f in chosen)  # in the course's order, once each


def parse_form(survey: Survey, form: Mapping[str, Sequence[str]]) -> Response:
    """A partner's answer from the form's fields (``respondent``; per school ``i`` of the survey
    ``works_i``, ``level_i``, ``flows_i``, ``trust_i``; per added school ``j`` ``add_name_j``,
    ``add_level_j``, ``add_flows_j``, ``add_trust_j``), or :class:`SurveyError` naming the field.
    Every value is checked: the form may have been sent by anything."""
    who = _one(form, "respondent")
    if not who.isdigit() or int(who) >= len(survey.schools):
        raise SurveyError("Please choose the school you are answering for (at the top).")
    respondent = survey.schools[int(who)]
    ties: list[Tie] = []
    for i, school in enumerate(survey.schools):
        if school == respondent:
            continue
        what = f"About {school}"
        works = _one(form, f"works_{i}")
        if works not in ("", "yes", "no"):
            raise SurveyError(f"{what}: “work together” is not one of the choices offered.")
        level = _number(_one(form, f"level_{i}"), LEVELS, f"{what}: the level")
        flows = _flows(form, f"flows_{i}", what)
        trust = _number(_one(form, f"trust_{i}"), TRUST_LABELS, f"{what}: trust")
        if works == "no":
            ties.append(Tie(school, False))
        elif works == "yes" or level or flows or trust:
            ties.append(Tie(school, True, level, flows, trust))
    named = {school.casefold() for school in survey.schools}
    for j in range(MAX_ADDED):
        raw = form.get(f"add_name_{j}") or [""]
        if len(raw[0]) > MAX_NAME * 4:
            raise SurveyError(f"Added school {j + 1}: the name {too_long(len(raw[0]), MAX_NAME)}")
        name = " ".join(raw[0].split())
        what = f"Added school {j + 1}"
        level = _number(_one(form, f"add_level_{j}"), LEVELS, f"{what}: the level")
        flows = _flows(form, f"add_flows_{j}", what)
        trust = _number(_one(form, f"add_trust_{j}"), TRUST_LABELS, f"{what}: trust")
        if not name:
            continue
        if len(name) > MAX_NAME:
            raise SurveyError(f"{what}: the name {too_long(len(name), MAX_NAME)}")
        if name.casefold() in named:
            raise SurveyError(
                f"{what}: “{name}” is already in the list above; answer about it there."
            )
        named.add(name.casefold())
        ties.append(Tie(name, True, level, flows, trust))
    if not ties:
        raise SurveyError("Please answer about at least one school before sending.")
    response = Response(respondent, tuple(ties))
    response_text(response)  # too large: refused here, before anything is stored
    return response


# -- reconciliation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One tie a partner reported, compared with the learner's network."""

    response_id: int
    respondent: str  # the school that answered, as the network names it now
    other: str  # the school the tie is with
    kind: str  # CONFIRMED, DISAGREE, THEIRS_ONLY, YOURS_ONLY or NEW_SCHOOL
    theirs: Tie
    yours: int | None  # the index of the learner's link, when they have one

    @property
    def key(self) -> str:
        """Names the finding across reloads (what "Ignore" remembers)."""
        return f"{self.response_id}:{self.other}"

    def words(self, network: Network) -> str:
        """What the finding is, in the learner's words: "only they report it", "confirmed by
        both sides; the two sides disagree on level: 3 Coordination (you) vs 1 Networking (them)"."""
        if self.kind != DISAGREE or self.yours is None:
            return KIND_WORDS[self.kind]
        mine = reported_value(network.links[self.yours], "level")
        return (
            f"{KIND_WORDS[DISAGREE]}: {report_value_words('level', mine)} (you) vs "
            f"{report_value_words('level', str(self.theirs.level))} (them)"
        )


def _find_name(network: Network, name: str) -> str | None:
    return next((n for n in network.names if _same(n, name)), None)


def reconcile(network: Network, responses: Iterable[Response]) -> list[Finding]:
    """Each tie the partners reported, against the learner's network, in answer order.

    A tie is matched to the learner's link between the same two schools in either direction (names
    compared without case or extra spaces). A "no" about a pair the learner has not linked agrees
    with them and is not listed; an answer about a school no longer in the network, or from a
    school no longer in it, is listed as a new school (accepting it adds the school back)."""
    found: list[Finding] = []
    pairs = {link_key(link): i for i, link in enumerate(network.links)}
    for response in responses:
        respondent = _find_name(network, response.respondent)
        for tie in response.ties:
            other = _find_name(network, tie.school)
            if respondent is None or other is None or respondent == other:
                if tie.works and (other or tie.school) != respondent:
                    found.append(
                        Finding(
                            response.id,
                            respondent or response.respondent,
                            other or tie.school,
                            NEW_SCHOOL,
                            tie,
                            None,
                        )
                    )
                continue
            index = pairs.get(link_key(Link(respondent, other)))
            if index is None:
                if tie.works:
                    found.append(Finding(response.id, respondent, other, THEIRS_ONLY, tie, None))
                continue
            if not tie.works:
                found.append(Finding(response.id, respondent, other, YOURS_ONLY, tie, index))
                continue
            mine = network.links[index].level
            kind = DISAGREE if None not in (mine, tie.level) and mine != tie.level else CONFIRMED
            found.append(Finding(response.id, respondent, other, kind, tie, index))
    return found


def _theirs_as_link(finding: Finding, level: int | None) -> Link:
    tie = finding.theirs
    return Link(finding.respondent, finding.other, level=level, flows=tie.flows, trust=tie.trust)


def _other_report(kept: Link, tie: Tie, level: int | None) -> tuple[tuple[str, str], ...]:
    """What the partner said differently from the link kept, as ``Link.other_report`` writes it."""
    theirs = Link(kept.source, kept.target, level=level, flows=tie.flows, trust=tie.trust)
    return tuple(
        (field, reported_value(theirs, field))
        for field in ("level", "flows", "trust")
        if reported_value(theirs, field) not in ("", reported_value(kept, field))
        and (field == "flows" or reported_value(kept, field) != "")
    )


def accept(network: Network, finding: Finding, level: int | None = None) -> Network:
    """The network with one finding accepted, through the model's checks (:class:`EditError`
    when it no longer fits the network, e.g. a school was removed since).

    * confirmed or disagreeing: the learner's link, marked confirmed by both sides, keeping the
      partner's differing answers as its other report; ``level`` given (the learner's edit) sets
      the link's level, and the other report keeps what the partner said;
    * only they report it: their link added, confirmed (the learner now says so too);
    * only you report it: the learner's link removed (the partner says they do not work together);
    * a new school: the school added, then their link, confirmed.
    """
    if level is not None and level not in LEVELS:
        raise EditError("The level of collaboration is a whole number from 0 to 5.")
    tie = finding.theirs
    if finding.kind in (CONFIRMED, DISAGREE):
        index = _current_index(network, finding)
        mine = network.links[index]
        kept = mine if level is None else replace(mine, level=level)
        if kept.level is None and tie.level is not None:
            kept = replace(kept, level=tie.level)
        kept = replace(kept, confirmed=True, other_report=_other_report(kept, tie, tie.level))
        return network.with_link(check_link(network, kept, replacing=index), index)
    if finding.kind == YOURS_ONLY:
        return network.without_link(_current_index(network, finding))
    if finding.kind == NEW_SCHOOL:
        for name in (finding.respondent, finding.other):
            if _find_name(network, name) is None:
                network = network.with_school(School(check_school_name(network, name)))
        finding = replace(
            finding,
            respondent=_find_name(network, finding.respondent) or finding.respondent,
            other=_find_name(network, finding.other) or finding.other,
        )
    link = replace(_theirs_as_link(finding, tie.level if level is None else level), confirmed=True)
    return network.with_link(check_link(network, link))


def _current_index(network: Network, finding: Finding) -> int:
    """The learner's link the finding is about, looked up again in ``network`` (it may have
    changed since the finding was made)."""
    wanted = link_key(Link(finding.respondent, finding.other))
    for i, link in enumerate(network.links):
        if link_key(link) == wanted:
            return i
    raise EditError(
        f"{finding.respondent} and {finding.other} are no longer linked in your network; "
        "press “Check for answers” to see the answers against your network as it is now."
    )


def settled(network: Network, finding: Finding) -> bool:
    """True when accepting the finding would change nothing (already accepted)."""
    try:
        return accept(network, finding) == network
    except EditError:
        return False
