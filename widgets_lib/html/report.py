"""The personal report: one self-contained HTML file a learner downloads and takes to their staff.

No script, no link to anything outside the file: it opens offline on any machine and prints
to PDF from the browser. Every piece of the learner's text is escaped; the pictures are the
course's own SVG with a table beside each.
"""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape

from .. import (
    capacity,
    challenges,
    choices,
    classify,
    leadership,
    lessons,
    perspectives,
    plan,
    reflections,
    snapshots,
)
from ..lessons import DONE, PROGRESS_ACTIVITY
from ..metrics import summary_sentence
from ..record import NETWORK_ACTIVITY, Record
from ..reflections import ACTIVITY as JOURNAL_ACTIVITY
from .capacity_figure import model_svg, profile_svg, reading_html, scores_table
from .common import table
from .diagnosis import diagnosis_html
from .journal import journal_html
from .leadership import spread_html
from .network_svg import network_svg
from .network_tables import tables_html
from .plan import learning_table, plan_table
from .snapshots import latest_html

TITLE = "My course report: capacity, networks and distributed leadership"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.8rem; } h2 { border-bottom: 2px solid #1f5fa8; padding-bottom: .2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; white-space: pre-line; }
.course-scroll { overflow-x: auto; }
.course-hint, .when { color: #444; font-size: .95rem; }
.course-reading { background: #f3f6fa; border-left: 4px solid #1f5fa8; padding: .5rem 1rem; }
blockquote { border-left: 3px solid #999; margin-left: 0; padding-left: 1rem; }
svg { display: block; margin: 1rem 0; }
.course-journal-a { white-space: pre-wrap; }
/* On paper (A4 or Letter): sections follow each other, with no page break forced between them, so a
   short section never leaves a page nearly empty; type and drawings are sized for a page; every table
   fits the page's width, its cells wrapping, the column headings of a wide one turned upwards. */
@page { margin: 15mm 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; line-height: 1.35; }
  h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 16pt 0 4pt; }
  h3 { font-size: 11pt; margin: 8pt 0 3pt; } h4 { font-size: 10pt; margin: 6pt 0 2pt; }
  h1, h2, h3, h4, caption, .when, .course-journal-q { break-after: avoid; }
  p, li { margin: 3pt 0; orphans: 2; widows: 2; }
  table { font-size: 8.5pt; line-height: 1.25; margin: 4pt 0 8pt; }
  th, td { padding: 2pt 4pt; overflow-wrap: break-word; }
  .course-sideways thead th { vertical-align: bottom; }
  .course-sideways thead th:not(:first-child) { writing-mode: vertical-rl; writing-mode: sideways-lr;
    max-height: 12em; }
  tr, li, svg, blockquote { break-inside: avoid; }
  thead, tr:first-child { break-after: avoid; }
  .course-scroll { overflow: visible; }
  svg { max-height: 8.5cm; margin: 6pt auto; }
  .course-reading { padding: 2pt 8pt; }
  a { color: inherit; text-decoration: none; }
}
"""


def _day(stamp: str | None) -> str:
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).strftime("%-d %B %Y")
    except ValueError:
        return ""


def _when(record: Record, activity: str) -> str:
    day = _day(record.updated.get(activity))
    return f'<p class="when">Last changed on {escape(day)}.</p>' if day else ""


def _missing(what: str, lesson_id: str) -> str:
    info = lessons.by_id(lesson_id)
    return (
        f"<p>Not done yet: {escape(what)} is in Lesson {escape(info.id)}, {escape(info.title)}.</p>"
    )


def _progress(record: Record) -> str:
    progress = record.activity(PROGRESS_ACTIVITY)
    rows = []
    for info in lessons.LESSONS[1:]:
        entry = progress.get(info.id) or {}
        status = {DONE: "Done", "started": "Started"}.get(entry.get("status"), "Not started")
        rows.append([f"{info.id} {info.title}", status, _day(entry.get("at"))])
    return table("Lessons", ["Lesson", "Status", "Date"], rows)


METAPHORS = "metaphors"


def _sorters(record: Record) -> str:
    """Each sorter's score and the learner's own example (``perspectives.summary``: answers that are
    not the sorter's are left out, so a changed sorter is never scored wrongly)."""
    rows = []
    for lesson_id, activity in perspectives.SORTERS.items():
        sorter = perspectives.load_sorter(activity)
        result = perspectives.summary(sorter, record.activity(activity))
        rows.append(
            [
                f"Lesson {lesson_id}: {lessons.by_id(lesson_id).title}",
                result.sentence if result.answered else plan.NOT_ANSWERED,
                result.own_text or plan.NOT_ANSWERED,
                result.own_choice.name if result.own_choice else plan.NOT_ANSWERED,
            ]
        )
    return _when_any(record, list(perspectives.SORTERS.values())) + table(
        "The sorting activities",
        ["Sorter", "My score", "My own example", "Where I placed it"],
        rows,
    )


def _metaphors(record: Record) -> str:
    """Lesson 07's two choices among Murphy's metaphors, each with the course's description."""
    choice = choices.load_choice(METAPHORS)
    activity = f"choice:{METAPHORS}"
    saved = record.activity(activity)
    names = {option.id: option for option in choice.options}
    answers = {}
    rows = []
    for question_id, prompt in choice.questions:
        value = saved.get(question_id)
        option = names.get(value) if isinstance(value, str) else None
        if option is not None:
            answers[question_id] = option.id
        rows.append(
            [
                prompt,
                option.name if option else plan.NOT_ANSWERED,
                option.description if option else "",
            ]
        )
    comment = choices.comment(choice, answers)
    return (
        _when(record, activity)
        + table(
            "My choices among Murphy's metaphors", ["Question", "My choice", "What it means"], rows
        )
        + (f"<p>{escape(comment)}</p>" if comment else "")
        + '<p class="course-hint">The descriptions were written for the course; Hopkins and Jackson '
        "list the eight metaphors without describing them.</p>"
    )


def _when_any(record: Record, activities: list[str]) -> str:
    """When the latest of several activities last changed."""
    stamps = [record.updated[a] for a in activities if record.updated.get(a)]
    day = _day(max(stamps)) if stamps else ""
    return f'<p class="when">Last changed on {escape(day)}.</p>' if day else ""


def _capacity(record: Record) -> str:
    latest = record.capacity()
    if latest is None:
        return _missing("the capacity self-assessment", "03")
    attempt, result = latest
    bank = capacity.load_bank()
    return (
        _when(record, capacity.ACTIVITY)
        + f"<p>From attempt {attempt} of the self-assessment.</p>"
        + reading_html(bank, result)
        + model_svg(bank, result.scores, result.start_with, result.growth_state)
        + profile_svg(bank, result.scores)
        + scores_table(bank, result, attempt)
    )


def _network(record: Record) -> str:
    network = record.network
    if not network.schools:
        return _missing("drawing your network", "04")
    return (
        _when(record, NETWORK_ACTIVITY)
        + f"<p>{escape(summary_sentence(network))}</p>"
        + network_svg(network, title="My network", framed=True)
        + tables_html(network)
    )


def _diagnosis(record: Record) -> str:
    network = record.network
    if not network.schools:
        return _missing("the diagnosis", "05")
    answers = record.health_answers
    note = (
        ""
        if answers
        else (
            "<p>The health check of Lesson 05 is not answered, so this diagnosis reads the "
            "drawing alone and its evidence is weak.</p>"
        )
    )
    return (
        _when(record, "health")
        + note
        + diagnosis_html(classify.diagnose(network, items=answers), "Diagnosis")
    )


def _changes(record: Record) -> str:
    """The latest comparison of Lesson 05's snapshots (:func:`snapshots.latest`), short."""
    saved = snapshots.from_saved(record.activity(snapshots.ACTIVITY))
    if not saved:
        return latest_html(None)
    latest = snapshots.latest(saved, record.network, record.health_answers)
    return _when(record, snapshots.ACTIVITY) + latest_html(latest)


def _who_leads(record: Record) -> str:
    network = record.network
    leads, _dropped = leadership.leads_from_value(
        record.activity(leadership.ACTIVITY).get(leadership.KEY), network
    )
    if not leads:
        return _missing("marking who leads", "06")
    return _when(record, leadership.ACTIVITY) + spread_html(network, leads)


def _challenges(record: Record) -> str:
    saved = record.activity(challenges.ACTIVITY)
    if not saved:
        return _missing("weighing the three challenges", "08")
    ratings, found = challenges.load()
    rows = []
    for challenge in found:
        rating = saved.get(challenges.rating_key(challenge.id))
        rated = (
            ratings[rating - 1]
            if isinstance(rating, int) and 1 <= rating <= len(ratings)
            else "Not rated"
        )
        note = saved.get(challenges.note_key(challenge.id))
        rows.append([challenge.name, rated, note if isinstance(note, str) else ""])
    return _when(record, challenges.ACTIVITY) + table(
        "How much each challenge holds the network back",
        ["Challenge", "My rating", "My note"],
        rows,
    )


def _plan(record: Record) -> str:
    actions = plan.from_value(record.activity(plan.ACTIVITY).get(plan.KEY))
    saved = record.activity(plan.ACTIVITY)
    started = any(plan.learning_from_value(saved).values())
    learning = learning_table(saved) if actions or started else ""
    if not actions:
        return _missing("the action plan", "08") + learning
    return _when(record, plan.ACTIVITY) + plan_table(actions) + learning


def _journal(record: Record) -> str:
    """The questions answered, in full; those not answered yet are only counted (a printed report
    stays short, and each lesson shows its own questions)."""
    saved = record.activity(JOURNAL_ACTIVITY)
    left = [question for question, answer in reflections.journal(saved) if not answer.strip()]
    where = sorted({question.lesson for question in left})
    still = (
        (
            f'<p class="course-hint">Not answered yet: {len(left)} question{"s" if len(left) != 1 else ""}, '
            f"in lesson{'s' if len(where) != 1 else ''} {escape(', '.join(where))}.</p>"
        )
        if left
        else ""
    )
    return _when(record, JOURNAL_ACTIVITY) + journal_html(saved, answered_only=True) + still


def under_section(html: str) -> str:
    """The pieces shared with the pages head their parts with h4 (there under an h3); in a report
    they sit right under a section's h2, so they become h3 and no heading level is skipped."""
    return html.replace("<h4>", "<h3>").replace("</h4>", "</h3>")


def build_report(record: Record, made: datetime | None = None, who: str = "") -> str:
    """The whole report as one HTML document."""
    made = made or datetime.now(timezone.utc)
    sections = [
        ("Where I am in the course", _progress(record)),
        ("What I sorted", _sorters(record)),
        ("My school on the capacity model", _capacity(record)),
        ("My network", _network(record)),
        ("Empty or meaningful? The diagnosis", _diagnosis(record)),
        ("How my network changed", _changes(record)),
        ("Who leads in my network", _who_leads(record)),
        ("How I lead and would like to lead", _metaphors(record)),
        ("Distance, culture and structure", _challenges(record)),
        ("My action plan", _plan(record)),
        ("My reflection journal", _journal(record)),
    ]
    body = "".join(
        f"<section><h2>{escape(title)}</h2>{under_section(html)}</section>"
        for title, html in sections
    )
    by = f" for {escape(who)}" if who else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{escape(TITLE)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(TITLE)}</h1><p>Prepared{by} on {escape(made.strftime('%-d %B %Y at %H:%M'))} "
        "(UTC) from the course <em>Building capacity through networks of schools</em>. The drawings are the course's "
        "own; each has a table with the same figures.</p></header>"
        f"<main>{body}</main>"
        '<footer><p class="course-hint">The course draws on Alma Harris, <em>Distributed leadership within '
        "learning networks</em>, and David Hopkins and David Jackson, <em>Networked Learning Communities – "
        "Capacity Building, Networking and Leadership for Learning</em> (both NCSL). Growth states and the "
        "diagnosis are the course's own reading of them.</p></footer></body></html>"
    )


def file_name(made: datetime | None = None) -> str:
    made = made or datetime.now(timezone.utc)
    return f"course-report-{made.strftime('%Y-%m-%d')}.html"
