"""The partner's survey page (a plain HTML form, no script) and the learner's table of answers.

Every name in them comes from a learner or a stranger, so every one is escaped; the form works
without JavaScript and fetches nothing but the course's own stylesheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from ..network import (
    FLOW_LABELS,
    FLOWS,
    LEVEL_MEANINGS,
    LEVELS,
    TRUST_LABELS,
    Link,
    Network,
    School,
    link_key,
)
from ..survey import MAX_ADDED, NEW_SCHOOL, THEIRS_ONLY, YOURS_ONLY, Finding, Survey, date_words
from .common import table
from .network_svg import network_svg

TITLE = "A survey of your school's partnerships"
CONSENT = (
    "Who will see your answers: the colleague who sent you this link, and only them. They see "
    "which school you answered for and each of your answers, on their page of an online course "
    "for school leaders, where they can add what you report to their own drawing of the network. "
    "If they take that course with a tutor, the tutor can see their drawing, but not your answers "
    "as you sent them. The survey does not ask for your name; please write no personal details. "
    "Your answers are kept until the colleague deletes them or their course data. Your internet "
    "address is not stored; a one-way code made from it limits how often one place can answer."
)
THANKS = "Thank you: your answers have been sent"

_STYLE = """
body.course-survey { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
  padding: 0 1rem 3rem; line-height: 1.5; background: #fff; color: #111; }
.course-survey fieldset { border: 1px solid #bbb; border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem 1rem; }
.course-survey legend { font-weight: bold; font-size: 1.1rem; padding: 0 .3rem; }
.course-survey label { display: inline-block; margin: .25rem 1rem .25rem 0; }
.course-survey select, .course-survey input[type=text] { font-size: 1rem; padding: .2rem; max-width: 100%; }
.course-survey input[type=text] { width: min(100%, 30rem); }
.course-survey .course-field { margin: .4rem 0; }
.course-survey button { font-size: 1.05rem; padding: .4rem 1.2rem; }
.course-survey :focus-visible { outline: 3px solid #b3261e; outline-offset: 2px; }
.course-survey .course-consent { border-left: 5px solid #0b4f9c; background: #eef4fb; padding: .4rem .8rem; }
.course-survey .course-warning { border-left: 5px solid #b3261e; background: #fdf0ef; padding: .4rem .8rem; }
"""


def _page(title: str, body: str, base_url: str) -> str:
    css = escape(f"{base_url}voila/templates/course/static/course.css")
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{css}"><style>{_STYLE}</style></head>'
        f'<body class="course-survey"><main>{body}</main></body></html>'
    )


def message_page(heading: str, text: str, base_url: str = "/") -> str:
    """A page that says one thing: thanks, a closed link, a wait."""
    role = "status" if heading == THANKS else "alert"
    return _page(
        heading,
        f'<h1>{escape(heading)}</h1><p role="{role}">{escape(text)}</p>',
        base_url,
    )


def _first(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str) -> str:
    items = "".join(
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>'
        f"{escape(words)}</option>"
        for value, words in options
    )
    return (
        f'<div class="course-field"><label for="{name}">{escape(label)}</label> '
        f'<select id="{name}" name="{name}">{items}</select></div>'
    )


def _level_options() -> list[tuple[str, str]]:
    return [("", "Not given")] + [
        (str(n), f"{n} {LEVELS[n]}: {LEVEL_MEANINGS[n]}") for n in sorted(LEVELS)
    ]


def _trust_options() -> list[tuple[str, str]]:
    return [("", "Not given")] + [(str(n), f"{n} {TRUST_LABELS[n]}") for n in sorted(TRUST_LABELS)]


def _flows(name: str, chosen: Sequence[str]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" name="{name}" value="{flow}" id="{name}_{flow}"'
        f"{' checked' if flow in chosen else ''}> {escape(FLOW_LABELS[flow])}</label>"
        for flow in FLOWS
    )
    return f"<fieldset><legend>What flows between you</legend>{boxes}</fieldset>"


def _about(i: int, school: str, form: Mapping[str, Sequence[str]]) -> str:
    works = _first(form, f"works_{i}")
    radios = "".join(
        f'<label><input type="radio" name="works_{i}" value="{value}" id="works_{i}_{value or "unsure"}"'
        f"{' checked' if value == works else ''}> {words}</label>"
        for value, words in (("yes", "Yes"), ("no", "No"), ("", "Not sure"))
    )
    return (
        f"<fieldset><legend>About {escape(school)}</legend>"
        f"<fieldset><legend>Do you work with {escape(school)}?</legend>{radios}</fieldset>"
        + _select(
            f"level_{i}", "Level of collaboration", _level_options(), _first(form, f"level_{i}")
        )
        + _flows(f"flows_{i}", form.get(f"flows_{i}") or [])
        + _select(
            f"trust_{i}", "How much you trust them", _trust_options(), _first(form, f"trust_{i}")
        )
        + "</fieldset>"
    )


def _added(j: int, form: Mapping[str, Sequence[str]]) -> str:
    name = f"add_name_{j}"
    return (
        f"<fieldset><legend>Add a school you work with ({j + 1} of {MAX_ADDED})</legend>"
        f'<div class="course-field"><label for="{name}">Name of the school or partner</label> '
        f'<input type="text" id="{name}" name="{name}" maxlength="200" '
        f'value="{escape(_first(form, name))}"></div>'
        + _select(
            f"add_level_{j}",
            "Level of collaboration",
            _level_options(),
            _first(form, f"add_level_{j}"),
        )
        + _flows(f"add_flows_{j}", form.get(f"add_flows_{j}") or [])
        + _select(
            f"add_trust_{j}",
            "How much you trust them",
            _trust_options(),
            _first(form, f"add_trust_{j}"),
        )
        + "</fieldset>"
    )


def form_page(
    survey: Survey,
    action: str,
    xsrf_field: str,
    base_url: str = "/",
    form: Mapping[str, Sequence[str]] | None = None,
    error: str | None = None,
) -> str:
    """The survey's form; after a refused answer, ``form`` puts back what was chosen and ``error``
    says what to change. ``xsrf_field`` is tornado's hidden field (made by tornado, not by us)."""
    form = form or {}
    respondent = [("", "Choose your school…")] + [
        (str(i), school) for i, school in enumerate(survey.schools)
    ]
    warning = f'<p class="course-warning" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f"<h1>{escape(TITLE)}</h1>"
        + warning
        + "<p>A colleague in a partner school is drawing the network your schools belong to. "
        "For each school below but your own, please say whether your school works with it and "
        "how. Leave anything you are not sure of as it is. It takes about five minutes.</p>"
        f'<p class="course-consent">{escape(CONSENT)}</p>'
        f"<p>This link works until {escape(date_words(survey.expires_at))}.</p>"
        f'<form method="post" action="{escape(action)}">{xsrf_field}'
        + _select(
            "respondent",
            "Which school are you answering for?",
            respondent,
            _first(form, "respondent"),
        )
        + "".join(_about(i, school, form) for i, school in enumerate(survey.schools))
        + "<h2>Schools or partners not in the list</h2>"
        + "".join(_added(j, form) for j in range(MAX_ADDED))
        + '<p><button type="submit">Send my answers</button></p></form>'
    )
    return _page(TITLE, body, base_url)


# -- the learner's side ------------------------------------------------------------------------
def _tie_words(finding: Finding) -> str:
    tie = finding.theirs
    if not tie.works:
        return "do not work together"
    parts = [f"level {tie.level} {LEVELS[tie.level]}" if tie.level is not None else "no level"]
    if tie.flows:
        parts.append(", ".join(FLOW_LABELS[f] for f in tie.flows))
    if tie.trust is not None:
        parts.append(f"trust {tie.trust} {TRUST_LABELS[tie.trust]}")
    return "; ".join(parts)


def findings_table(network: Network, findings: Sequence[Finding], settled: set[str]) -> str:
    """The answers as a table: who answered, about which school, what they said, and whether the
    two sides agree (in words: never colour alone)."""
    if not findings:
        return "<p>No answers have arrived yet.</p>"
    return table(
        "Answers from your partner schools",
        ("Answered by", "About", "What they said", "Compared with your network", "State"),
        [
            (
                finding.respondent,
                finding.other,
                _tie_words(finding),
                finding.words(network),
                "done" if finding.key in settled else "to decide",
            )
            for finding in findings
        ],
    )


ONE_SIDED = "reported by one side only"


def answers_map(network: Network, findings: Sequence[Finding]) -> str:
    """The learner's network with the partners' answers drawn in: a tie only one side reports
    (theirs, to a school of the network or a new one, or the learner's that a partner denies)
    dotted, as the tutor's merged network draws one-sided links; the table says the same in words."""
    shown = network
    one_sided: list[tuple[str, str]] = []
    for finding in findings:
        pair = (finding.respondent, finding.other)
        if finding.kind == YOURS_ONLY:
            one_sided.append(pair)
        elif finding.kind in (THEIRS_ONLY, NEW_SCHOOL):
            for name in pair:
                if name not in shown.names:
                    shown = shown.with_school(School(name))
            if all(link_key(link) != link_key(Link(*pair)) for link in shown.links):
                shown = shown.with_link(Link(*pair, level=finding.theirs.level))
            one_sided.append(pair)
    return network_svg(
        shown,
        title="Your network with your partners' answers",
        unconfirmed=one_sided,
        unconfirmed_meaning=ONE_SIDED,
        framed=True,
        width=720,
        height=440,
    )
