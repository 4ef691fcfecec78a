"""The small pieces every page and report is made of: one table, a count in words, a download link."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape


class Raw(str):
    """A table cell that is already HTML (a link made here), put into the table as it is."""


def cell(value: object) -> str:
    """A cell's HTML: text escaped, :class:`Raw` as it is."""
    return value if isinstance(value, Raw) else escape(str(value))


def table(
    caption: str,
    head: Sequence[str],
    rows: Iterable[Sequence[object]],
    sideways: bool = False,
    row_headers: bool = True,
) -> str:
    """The course's one table: every cell escaped (but :class:`Raw` ones), in a box that scrolls sideways,
    with the keyboard too, when the table is wider than the page (a phone) instead of running off it.

    Its head repeats on every printed page; ``sideways``: printed, its column headings run upwards, so a
    table of many long headings fits the width of the paper. ``row_headers``: the first cell of each row
    names the row (``<th scope="row">``)."""
    top = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{cell(value)}</th>'
            if i == 0 and row_headers
            else f"<td>{cell(value)}</td>"
            for i, value in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    kind = "course-table course-sideways" if sideways else "course-table"
    return (
        f'<div class="course-scroll" tabindex="0" role="region" aria-label="{escape(caption)}" '
        f'style="width: 0; min-width: 100%"><table class="{kind}"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{top}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def count_words(n: int, noun: str) -> str:
    """ "1 school", "1,200 schools": a number with its noun in the right number."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def download_link(name: str, mime: str, data: bytes, label: str) -> str:
    """A link that saves ``data`` as a file: the page already holds it, so nothing is served."""
    encoded = base64.b64encode(data).decode("ascii")
    return f'<a download="{escape(name)}" href="data:{mime};base64,{encoded}">{escape(label)}</a>'
