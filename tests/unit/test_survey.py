"""Survey links to partner schools (issue 17): the model, reconciliation and the store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.helpers import count_rows
from widgets_lib import survey as sv
from widgets_lib.network import MAX_NAME, EditError, Link, Network, School, report_words
from widgets_lib.store import Store

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
MARKUP = "<img src=x onerror=alert(1)>"


def _network() -> Network:
    schools = tuple(
        School(n) for n in ("Ash Primary", "Birch Academy", "Cedar High", "Dale Infants")
    )
    links = (
        Link("Ash Primary", "Birch Academy", level=3, flows=("information",), trust=3),
        Link("Cedar High", "Ash Primary", level=2),
        Link("Ash Primary", "Dale Infants", level=1),
    )
    return Network(schools=schools, links=links)


def _survey(network: Network | None = None) -> sv.Survey:
    return sv.new_survey("learner-1", network or _network(), now=START)


def _form(**fields) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in fields.items()}


# -- the survey ----------------------------------------------------------------------------
def test_a_new_survey_asks_about_the_networks_schools_for_thirty_days() -> None:
    survey = _survey()
    assert survey.schools == ("Ash Primary", "Birch Academy", "Cedar High", "Dale Infants")
    assert survey.open(START + timedelta(days=29, hours=23))
    assert not survey.open(START + timedelta(days=30))
    assert not sv.Survey(**{**survey.__dict__, "revoked_at": START.isoformat()}).open(START)
    assert sv.date_words(survey.expires_at) == "31 December 2026"


def test_tokens_are_long_distinct_and_never_the_id() -> None:
    a, b = _survey(), _survey()
    assert a.id != b.id and a.token != b.token
    assert len(a.token) == sv.TOKEN_CHARS and a.id not in a.token
    assert a.token == sv.survey_token(a.id)  # the page can show the address again
    assert sv.token_key(a.token) != a.token  # only a keyed hash is stored


def test_a_survey_needs_two_schools_and_at_most_the_limit() -> None:
    with pytest.raises(sv.SurveyError, match="at least two schools"):
        sv.new_survey("l", Network(schools=(School("Only"),)))
    many = Network(schools=tuple(School(f"S{i}") for i in range(sv.MAX_SCHOOLS + 1)))
    with pytest.raises(sv.SurveyError, match=f"at most {sv.MAX_SCHOOLS}"):
        sv.new_survey("l", many)


# -- the partner's form ------------------------------------------------------------------------
def test_a_form_becomes_the_ties_of_the_school_that_answered() -> None:
    survey = _survey()
    response = sv.parse_form(
        survey,
        _form(
            respondent="1",  # Birch Academy
            works_0="yes",
            level_0="2",
            flows_0=["staff", "information"],
            trust_0="4",
            works_2="no",
            works_3="",  # not sure: no tie
            works_1="yes",  # about themselves: ignored
            add_name_0="  Elm   College ",
            add_level_0="1",
        ),
    )
    assert response.respondent == "Birch Academy"
    assert response.ties == (
        sv.Tie("Ash Primary", True, 2, ("information", "staff"), 4),
        sv.Tie("Cedar High", False),
        sv.Tie("Elm College", True, 1),
    )
    stored = sv.response_from_value(json.loads(sv.response_text(response)), 7, "now")
    assert stored.ties == response.ties and stored.id == 7


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "choose the school you are answering for"),
        ({"respondent": "9"}, "choose the school you are answering for"),
        ({"respondent": "0"}, "at least one school"),
        ({"respondent": "0", "works_1": "maybe"}, "About Birch Academy: “work together”"),
        ({"respondent": "0", "level_1": "6"}, "About Birch Academy: the level"),
        ({"respondent": "0", "level_1": "-1"}, "About Birch Academy: the level"),
        ({"respondent": "0", "trust_2": "0"}, "About Cedar High: trust"),
        ({"respondent": "0", "flows_1": ["gossip"]}, "About Birch Academy: what flows"),
        ({"respondent": "0", "add_name_0": "x" * (MAX_NAME + 1)}, "Added school 1: the name"),
        ({"respondent": "0", "add_name_1": "birch academy"}, "Added school 2: “birch academy”"),
    ],
)
def test_a_bad_form_gets_one_message_naming_the_field(fields, message) -> None:
    with pytest.raises(sv.SurveyError, match=message):
        sv.parse_form(_survey(), _form(**fields))


def test_markup_in_an_added_name_is_kept_as_text() -> None:
    response = sv.parse_form(_survey(), _form(respondent="0", add_name_0=MARKUP))
    assert response.ties[0].school == MARKUP  # escaped where shown, never changed or run


def test_a_stored_answer_is_checked_again_when_read() -> None:
    value = {
        "respondent": "Ash Primary",
        "ties": [{"school": "B", "works": True, "level": 9, "flows": ["x", "staff"], "trust": 7}],
    }
    assert sv.response_from_value(value).ties == (sv.Tie("B", True, None, ("staff",), None),)


def test_an_answer_too_large_to_keep_is_refused() -> None:
    ties = tuple(sv.Tie("x" * MAX_NAME, True, 1, sv.FLOWS, 1) for _ in range(200))
    with pytest.raises(sv.SurveyError, match="characters long"):
        sv.response_text(sv.Response("Ash Primary", ties))


# -- reconciliation ------------------------------------------------------------------------------
def _answer(respondent: str, *ties: sv.Tie, response_id: int = 1) -> sv.Response:
    return sv.Response(respondent, ties, response_id)


def test_reconcile_sorts_each_tie_by_who_reports_it() -> None:
    network = _network()
    answer = _answer(
        "birch  academy",  # spacing and case do not matter
        sv.Tie("Ash Primary", True, 3),  # both, same level
        sv.Tie("Cedar High", True, 2),  # only they report it
        sv.Tie("Dale Infants", False),  # neither: not listed
        sv.Tie("Elm College", True, 1),  # a school the network does not have
    )
    other = _answer(
        "Cedar High",
        sv.Tie("Ash Primary", False),  # the learner has it, they say no
        response_id=2,
    )
    dale = _answer("Dale Infants", sv.Tie("Ash Primary", True, 4), response_id=3)
    found = sv.reconcile(network, [answer, other, dale])
    assert [(f.respondent, f.other, f.kind) for f in found] == [
        ("Birch Academy", "Ash Primary", sv.CONFIRMED),
        ("Birch Academy", "Cedar High", sv.THEIRS_ONLY),
        ("Birch Academy", "Elm College", sv.NEW_SCHOOL),
        ("Cedar High", "Ash Primary", sv.YOURS_ONLY),
        ("Dale Infants", "Ash Primary", sv.DISAGREE),
    ]
    assert found[4].words(network) == (
        "confirmed by both sides; the two sides disagree on level: 1 Networking (you) vs "
        "4 Coalition (them)"
    )
    assert found[1].words(network) == "only they report it"
    assert found[3].words(network) == "only you report it"


def test_accepting_a_confirmed_tie_marks_the_link_as_the_imported_files_do() -> None:
    network = _network()
    finding = sv.reconcile(
        network, [_answer("Birch Academy", sv.Tie("Ash Primary", True, 3, ("staff",), 3))]
    )[0]
    accepted = sv.accept(network, finding)
    link = accepted.links[0]
    assert link.confirmed and link.level == 3
    assert link.other_report == (("flows", "staff"),)
    assert report_words(link).startswith("confirmed by both sides")
    assert sv.settled(
        accepted, sv.reconcile(accepted, [_answer("Birch Academy", finding.theirs)])[0]
    )
    assert not sv.settled(network, finding)


def test_a_disagreement_is_kept_as_the_other_report_or_settled_by_an_edit() -> None:
    network = _network()
    finding = sv.reconcile(network, [_answer("Dale Infants", sv.Tie("Ash Primary", True, 4))])[0]
    kept = sv.accept(network, finding).links[2]
    assert kept.level == 1 and kept.confirmed and kept.other_report == (("level", "4"),)
    assert "disagree on level: 1 Networking vs 4 Coalition" in report_words(kept)
    edited = sv.accept(network, finding, level=4).links[2]
    assert edited.level == 4 and edited.confirmed and edited.other_report == ()
    with pytest.raises(EditError, match="0 to 5"):
        sv.accept(network, finding, level=9)


def test_accepting_their_tie_adds_it_and_yours_only_removes_yours() -> None:
    network = _network()
    found = sv.reconcile(
        network,
        [
            _answer("Birch Academy", sv.Tie("Cedar High", True, 2, ("resources",), 2)),
            _answer("Cedar High", sv.Tie("Ash Primary", False), response_id=2),
        ],
    )
    added = sv.accept(network, found[0])
    assert added.links[-1] == Link(
        "Birch Academy", "Cedar High", level=2, flows=("resources",), trust=2, confirmed=True
    )
    removed = sv.accept(network, found[1])
    assert (
        len(removed.links) == 2 and Link("Cedar High", "Ash Primary", level=2) not in removed.links
    )
    # the link was removed meanwhile: one clear message, nothing changed
    with pytest.raises(EditError, match="no longer linked"):
        sv.accept(removed, found[1])


def test_a_new_school_goes_through_the_models_checks() -> None:
    network = _network()
    found = sv.reconcile(network, [_answer("Birch Academy", sv.Tie(MARKUP, True, 1))])
    grown = sv.accept(network, found[0])
    assert grown.names[-1] == MARKUP and grown.links[-1].target == MARKUP
    # the school was added by hand meanwhile: the link joins it, no second school
    by_hand = network.with_school(School(MARKUP.upper()))
    again = sv.accept(by_hand, found[0])
    assert again.names.count(MARKUP.upper()) == 1 and MARKUP not in again.names
    assert again.links[-1].target == MARKUP.upper()


def test_an_answer_from_a_school_removed_since_offers_it_back() -> None:
    network = _network().without_school("Birch Academy")
    found = sv.reconcile(network, [_answer("Birch Academy", sv.Tie("Ash Primary", True, 3))])
    assert [(f.kind, f.respondent, f.other) for f in found] == [
        (sv.NEW_SCHOOL, "Birch Academy", "Ash Primary")
    ]
    back = sv.accept(network, found[0])
    assert "Birch Academy" in back.names and back.links[-1].confirmed


# -- the store ------------------------------------------------------------------------------------
def test_surveys_and_answers_round_trip(store: Store) -> None:
    store.ensure_learner("learner-1", "code")
    store.ensure_learner("learner-2", "code")
    first = _survey()
    store.create_survey(first, sv.MAX_SURVEYS)
    assert store.survey_by_token(first.token) == first
    assert store.survey_by_token("x" * sv.TOKEN_CHARS) is None
    second = sv.new_survey("learner-1", _network())
    store.create_survey(second, sv.MAX_SURVEYS)  # stops the first: one open link at a time
    mine = store.surveys_of("learner-1")
    assert [s.id for s in mine] == [first.id, second.id]
    assert mine[0].revoked_at == second.created_at and mine[1].revoked_at is None
    store.revoke_survey("learner-2", second.id, "later")  # not theirs: nothing happens
    assert store.surveys_of("learner-1")[1].revoked_at is None
    store.revoke_survey("learner-1", second.id, "later")
    assert store.surveys_of("learner-1")[1].revoked_at == "later"

    answer = sv.parse_form(first, _form(respondent="0", works_1="yes", add_name_0=MARKUP))
    limits = (sv.MAX_RESPONSES, sv.MAX_PER_VISITOR, sv.MAX_LEARNER_RESPONSES)
    store.add_response(first.id, "visitor-a", sv.response_text(answer), "t1", limits)
    rows = store.responses_of("learner-1")
    assert len(rows) == 1 and rows[0][1] == first.id
    assert sv.response_from_value(json.loads(rows[0][2])).ties == answer.ties
    assert store.responses_of("learner-2") == []
    exported = store.export_learner("learner-1")["surveys"]
    assert exported[0]["answers"][0]["answer"]["respondent"] == "Ash Primary"
    assert first.token not in json.dumps(exported)

    store.delete_response("learner-2", rows[0][0])  # not theirs
    assert len(store.responses_of("learner-1")) == 1
    store.delete_response("learner-1", rows[0][0])
    assert store.responses_of("learner-1") == []


def test_answer_limits_per_visitor_survey_and_learner(store: Store) -> None:
    store.ensure_learner("learner-1", "code")
    survey = _survey()
    store.create_survey(survey, sv.MAX_SURVEYS)
    text = sv.response_text(sv.Response("Ash Primary", (sv.Tie("Birch Academy", True),)))
    for _ in range(2):
        store.add_response(survey.id, "a", text, "t", (3, 2, 100))
    with pytest.raises(sv.SurveyError, match="from your connection"):
        store.add_response(survey.id, "a", text, "t", (3, 2, 100))
    store.add_response(survey.id, "b", text, "t", (3, 2, 100))
    with pytest.raises(sv.SurveyError, match="as many answers as it can keep"):
        store.add_response(survey.id, "c", text, "t", (3, 2, 100))
    other = sv.new_survey("learner-1", _network())
    store.create_survey(other, sv.MAX_SURVEYS)
    with pytest.raises(sv.SurveyError, match="as many answers as it can keep"):
        store.add_response(other.id, "c", text, "t", (3, 2, 3))  # the learner's total
    with pytest.raises(sv.SurveyError, match="survey links, the most"):
        store.create_survey(sv.new_survey("learner-1", _network()), 2)
    assert count_rows(store, "survey_responses") == 3


def test_deleting_a_learner_deletes_their_surveys_and_answers(store: Store) -> None:
    for who in ("learner-1", "learner-2"):
        store.ensure_learner(who, "code")
        survey = sv.new_survey(who, _network())
        store.create_survey(survey, sv.MAX_SURVEYS)
        text = sv.response_text(sv.Response("Ash Primary", (sv.Tie(MARKUP, True),)))
        store.add_response(survey.id, "v", text, "t", (5, 5, 5))
    store.delete_learner("learner-1")
    assert store.surveys_of("learner-1") == [] and store.responses_of("learner-1") == []
    assert count_rows(store, "surveys") == 1 and count_rows(store, "survey_responses") == 1
    assert len(store.responses_of("learner-2")) == 1
