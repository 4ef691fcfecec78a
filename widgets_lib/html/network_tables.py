"""A network in words and tables (the text alternative of its drawing), its downloads, and the limits the
page's upload check uses."""

from __future__ import annotations

from html import escape

from .. import network_io
from ..metrics import measure, summary_sentence
from ..network import (
    FLOW_LABELS,
    KIND_LABELS,
    LEVELS,
    ORIGIN_LABELS,
    TRUST_LABELS,
    Network,
    report_words,
)
from .common import count_words, download_link, table

TABLE_ROWS = 200  # rows a table shows of a big network; the downloads hold every one


def size_words(network: Network) -> str:
    """ "7 schools and 9 links": how much a network holds, as a learner would say it."""
    return f"{count_words(len(network.schools), 'school')} and {count_words(len(network.links), 'link')}"


def summary_html(network: Network) -> str:
    if not network.schools:
        return ""
    metrics = measure(network)
    return f'<p class="course-summary">{escape(summary_sentence(network, metrics))}</p>'


def tables_html(network: Network) -> str:
    """The schools and the links as tables, the first ``TABLE_ROWS`` of each."""
    if not network.schools:
        return ""
    schools = table(
        "Schools and partners",
        ["Name", "Kind", "Phase", "Locality"],
        [
            [s.name, KIND_LABELS.get(s.kind, s.kind), s.phase, s.locality]
            for s in network.schools[:TABLE_ROWS]
        ],
    ) + _more(len(network.schools), "schools")
    if not network.links:
        return schools + "<p>No links yet.</p>"
    # Links merged from two reports (network_io) say so in words, in a column of their own.
    reports = any(link.confirmed or link.other_report for link in network.links)
    links = table(
        "Links",
        ["From", "Direction", "To", "Level", "Began with", "What flows", "Trust"]
        + (["Reported"] if reports else []),
        [
            [
                link.source,
                "→" if link.directed else "—",
                link.target,
                "" if link.level is None else f"{link.level} {LEVELS[link.level]}",
                ORIGIN_LABELS.get(link.origin, "") if link.origin else "",
                ", ".join(FLOW_LABELS[f] for f in link.flows),
                "" if link.trust is None else f"{link.trust} {TRUST_LABELS[link.trust]}",
            ]
            + ([report_words(link) or "one report"] if reports else [])
            for link in network.links[:TABLE_ROWS]
        ],
    ) + _more(len(network.links), "links")
    return schools + links


def _more(total: int, what: str) -> str:
    return (
        f"<p>Showing the first {TABLE_ROWS} of {total:,} {what}.</p>" if total > TABLE_ROWS else ""
    )


def upload_check_html() -> str:
    """Where the page's script (course.js) refuses chosen files too big to send, with the limits
    and sentences it uses: network_io's, so the page and the import say the same."""
    limits = {
        "data-max-file-bytes": network_io.MAX_FILE_BYTES,
        "data-max-upload-bytes": network_io.MAX_UPLOAD_BYTES,
        "data-too-big": "{file} " + network_io.too_big("{bytes}", "{mb}"),
        "data-too-much": network_io.too_much("{bytes}", "{mb}"),
    }
    attributes = " ".join(f'{name}="{escape(str(value))}"' for name, value in limits.items())
    return f'<div class="course-upload-check" {attributes}></div>'


def downloads_html(network: Network) -> str:
    schools, links = network_io.to_csv(network)
    items = [
        download_link("schools.csv", "text/csv", schools, "schools.csv"),
        download_link("links.csv", "text/csv", links, "links.csv"),
        download_link(
            "network.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            network_io.to_workbook(network),
            "network.xlsx (one workbook)",
        ),
        download_link(
            "network.json", "application/json", network_io.to_json(network), "network.json"
        ),
        download_link(
            "network.gexf",
            "application/gexf+xml",
            network_io.to_gexf(network),
            "network.gexf (for Gephi)",
        ),
        download_link(
            "network.graphml",
            "application/graphml+xml",
            network_io.to_graphml(network),
            "network.graphml (for Gephi, yEd and others)",
        ),
    ]
    return "<p>Download your network: " + " · ".join(items) + "</p>"
