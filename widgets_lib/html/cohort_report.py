"""What a tutor sees of a cohort, on the dashboard and in the cohort report: the new cohort's codes, progress,
capacity, diagnoses, the merged network, shared reflections, and one participant's card (which the
participant sees too, before joining). Only :class:`cohorts.ParticipantSummary` reaches here, so nothing
shows more than a participant agreed to."""

from __future__ import annotations

from datetime import datetime
from html import escape

from .. import capacity, cohort_figures, lessons
from ..cohort_network import Merged
from ..cohorts import ParticipantSummary
from ..metrics import summary_sentence
from ..store import Cohort
from .capacity_figure import scores_table
from .charts import bars_svg
from .common import count_words, table
from .diagnosis import diagnosis_html
from .journal import journal_html
from .network_svg import network_svg
from .snapshots import latest_html

WRITTEN_DOWN = (
    "I have written the key down"  # the button the tutor presses once the new key is safe
)
_STATUS = {lessons.DONE: "Done", lessons.STARTED: "Started"}


def created_html(cohort: Cohort, tutor_key: str | None = None) -> str:
    """The new cohort's join code (large, to show the room) and, once only, its tutor key: in a read-only
    box, in ordinary type, to select and copy or write down."""
    key = (
        ""
        if tutor_key is None
        else (
            '<div class="course-key-box"><p><label><strong>Your tutor key</strong> (secret, like a password: it opens '
            'this dashboard on any computer) <input type="text" readonly class="course-key" size="30" '
            f'spellcheck="false" autocomplete="off" value="{escape(tutor_key)}" '
            'style="font-family: ui-monospace, monospace; font-size: 1rem"></label></p>'
            "<p>Select it and copy it into a safe place, or write it down now. It is stored only in scrambled form "
            f"and cannot be shown again. Then press “{WRITTEN_DOWN}”: the key leaves this page and the "
            "dashboard opens.</p></div>"
        )
    )
    return (
        f'<div class="course-code-box" role="status"><p>Cohort <strong>{escape(cohort.name)}</strong> '
        f'created.</p><p>Join code for participants: <strong class="course-code">{escape(cohort.join_code)}'
        f"</strong></p>{key}</div>"
    )


def progress_html(views: list[ParticipantSummary]) -> str:
    ids = cohort_figures.lesson_ids()
    counts = cohort_figures.progress_counts(views)
    done = (
        bars_svg(
            [
                (f"Lesson {i}", counts[i]["Done"], f"{counts[i]['Done']} of {len(views)} done")
                for i in ids
            ],
            title="Participants who have finished each lesson",
            maximum=max(len(views), 1),
        )
        if views
        else (
            "<p>No participant has joined yet: participants join in Lesson 00 with the cohort's join code.</p>"
        )
    )
    short = {"Done": "✓ Done", "Started": "Started", cohort_figures.NOT_STARTED: "—"}
    rows = [[v.name] + [short[cohort_figures.status(v, i)] for i in ids] for v in views]
    return done + table(
        "Progress of each participant (— not started)",
        ["Participant"] + [f"{i}" for i in ids],
        rows,
    )


def capacity_html(views: list[ParticipantSummary]) -> str:
    spread = cohort_figures.capacity_spread(views)
    assessed = sum(1 for v in views if v.capacity)
    if not assessed:
        return "<p>No participant has completed the capacity self-assessment (Lesson 03) yet.</p>"
    chart = bars_svg(
        [
            (s.name, s.mean or 0, f"mean {s.mean:.1f}" if s.mean is not None else "none")
            for s in spread
        ],
        title="Mean score of the cohort's schools on each element, 1 to 4",
        maximum=4,
    )
    scores = table(
        f"Scores of {count_words(assessed, 'school')} assessed, 1 (not like us yet) to 4 (very like us)",
        ["Element", "Schools", "Lowest", "Median", "Highest"],
        [
            [
                s.name,
                s.count,
                *("—" if v is None else f"{v:.1f}" for v in (s.lowest, s.middle, s.highest)),
            ]
            for s in spread
        ],
    )
    growth = table(
        "Growth states",
        ["Growth state", "Schools"],
        [[k, n] for k, n in cohort_figures.growth_counts(views).most_common()],
    )
    bank = capacity.load_bank()
    placements = table(
        "Each school's placement",
        ["Participant", "Growth state", *[s.name for s in spread]],
        [
            [
                v.name,
                bank.growth_states[v.capacity[1].growth_state or ""]["name"],
                *[
                    "—" if score is None else f"{score:.1f}"
                    for score in v.capacity[1].scores.values()
                ],
            ]
            for v in views
            if v.capacity
        ],
        sideways=True,
    )
    return chart + scores + growth + placements


def diagnoses_html(views: list[ParticipantSummary]) -> str:
    counts = cohort_figures.diagnosis_counts(views)
    if not counts:
        return "<p>No participant has joined yet.</p>"
    return bars_svg(
        [(name, n, str(n)) for name, n in counts.most_common()],
        title="Networks by diagnosis",
        maximum=max(counts.values()),
    ) + table(
        "Networks by diagnosis",
        ["Diagnosis", "Participants"],
        [[k, n] for k, n in counts.most_common()],
    )


def merged_html(merged: Merged) -> str:
    if not merged.schools:
        return "<p>No participant has drawn a network yet.</p>"
    one_sided = [(link.source, link.target) for link in merged.links if link.one_sided]
    picture = network_svg(
        merged.network,
        title="The cohort's networks merged",
        unconfirmed=one_sided,
        framed=True,
        width=900,
        height=640,
    )
    schools = table(
        "Schools in the merged network",
        ["School", "Other spellings", "Named by"],
        [[s.name, ", ".join(s.spellings[1:]), ", ".join(s.reported_by)] for s in merged.schools],
    )
    links = table(
        "Links in the merged network",
        ["Link", "Reported by", "Reported by one side only?"],
        [
            [
                f"{link.source} – {link.target}",
                ", ".join(link.reported_by),
                "Yes" if link.one_sided else "No",
            ]
            for link in merged.links
        ],
    )
    if not one_sided:
        sides = "<p>No link is reported by one side only.</p>"
    elif len(one_sided) == 1:
        sides = (
            "<p>1 link is reported by one side only (dotted): a participant drew it, and another whose "
            "network has both schools did not.</p>"
        )
    else:
        sides = (
            f"<p>{len(one_sided)} links are reported by one side only (dotted): for each, a participant drew "
            "it, and another whose network has both schools did not.</p>"
        )
    return picture + sides + schools + links


def reflections_html(views: list[ParticipantSummary]) -> str:
    """The shared journals: only the questions each participant has answered."""
    sharing = [v for v in views if v.journal is not None]
    if not sharing:
        return "<p>No participant has chosen to share their reflections.</p>"
    return "".join(
        f'<div class="course-card"><h4>{escape(v.name)}</h4>'
        f"{journal_html(v.journal or {}, answered_only=True)}</div>"
        for v in sharing
    )


def cohort_report(
    cohort: Cohort, views: list[ParticipantSummary], merged: Merged, made: datetime
) -> str:
    """The cohort report: one self-contained HTML file like the participants' own."""
    from ..html.report import STYLE, under_section

    sections = [
        ("Progress", progress_html(views)),
        ("Capacity", capacity_html(views)),
        ("Diagnoses", diagnoses_html(views)),
        ("The merged network", merged_html(merged)),
        ("Shared reflections", reflections_html(views)),
    ]
    body = "".join(
        f"<section><h2>{escape(title)}</h2>{under_section(html)}</section>"
        for title, html in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>Cohort report: {escape(cohort.name)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Cohort report: {escape(cohort.name)}</h1>"
        f"<p>{count_words(len(views), 'participant')}; prepared on "
        f"{escape(made.strftime('%-d %B %Y at %H:%M'))} (UTC).</p></header>"
        f"<main>{body}</main></body></html>"
    )


def participant_card_html(view: ParticipantSummary, level: int = 4) -> str:
    """One participant as a tutor sees them; the participant sees the same before joining.

    ``level`` is the heading level of their name, one below the heading the card sits under."""
    done = [
        f"<li>{escape(info.id)} {escape(info.title)}: "
        f"{_STATUS.get((view.progress.get(info.id) or {}).get('status', ''), 'Not started')}</li>"
        for info in lessons.LESSONS[1:]
    ]
    parts = [
        f"<h{level}>{escape(view.name)}</h{level}>",
        f"<p><strong>Progress</strong></p><ul>{''.join(done)}</ul>",
    ]
    if view.capacity:
        attempt, result = view.capacity
        bank = capacity.load_bank()
        state = bank.growth_states[result.growth_state or ""]["name"]
        parts.append(
            f"<p><strong>Capacity (attempt {attempt})</strong>: growth state {escape(state)}.</p>"
            + scores_table(bank, result, attempt)
        )
    else:
        parts.append(
            "<p><strong>Capacity</strong>: the self-assessment of Lesson 03 is not complete.</p>"
        )
    if view.network.schools:
        parts.append(
            f"<p><strong>Network</strong>: {escape(summary_sentence(view.network))}</p>"
            + network_svg(
                view.network,
                title=f"Network drawn by {view.name}",
                width=560,
                height=360,
                framed=True,
            )
        )
        if view.diagnosis:
            parts.append(diagnosis_html(view.diagnosis, "Diagnosis"))
    else:
        parts.append("<p><strong>Network</strong>: not drawn yet.</p>")
    if view.latest_change is not None:
        parts.append(
            "<p><strong>How the network changed</strong> (the latest comparison of snapshots, "
            "Lesson 05)</p>" + latest_html(view.latest_change)
        )
    if view.journal is None:
        parts.append("<p><strong>Reflections</strong>: not shared.</p>")
    else:
        parts.append(
            "<p><strong>Reflections</strong> (shared)</p>"
            + journal_html(view.journal, answered_only=True)
        )
    return '<div class="course-card">' + "".join(parts) + "</div>"
