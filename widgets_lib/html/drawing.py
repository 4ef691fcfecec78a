"""The network drawing: pyvis builds the nodes, edges and options; the course's own
template (no CDN) turns them into a page shown in a sandboxed iframe.

Never ``show()`` (it writes files into the shared folder). Node ids are numbers, labels
and tooltips are plain text (the template turns tooltips into text nodes), so a school
named ``<img src=x onerror=…>`` is drawn as those characters.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from ..network import (
    FLOW_LABELS,
    KIND_LABELS,
    LEVEL_MEANINGS,
    LEVELS,
    ORIGIN_LABELS,
    TRUST_LABELS,
    Network,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Relative to the lesson page (…/voila/render/NN.ipynb), so it works under any base URL.
STATIC_URL = "../templates/course/static"

# Okabe–Ito colours (safe for colour-blind readers); shape and legend text carry the meaning too.
KIND_STYLE = {
    "school": ("#0072B2", "dot"),
    "lea": ("#E69F00", "square"),
    "university": ("#009E73", "triangle"),
    "community": ("#CC79A7", "diamond"),
    "other": ("#7f7f7f", "star"),
}
LEVEL_COLOURS = {0: "#bdbdbd", 1: "#9ecae1", 2: "#6baed6", 3: "#3182bd", 4: "#08519c", 5: "#08306b"}
UNKNOWN_LEVEL = "#969696"


def _school_title(school, degree: int) -> str:
    lines = [school.name, KIND_LABELS.get(school.kind, school.kind)]
    if school.phase:
        lines.append(f"Phase: {school.phase}")
    if school.locality:
        lines.append(f"Locality: {school.locality}")
    lines.append(f"{degree} link{'s' if degree != 1 else ''}")
    return "\n".join(lines)


def _link_title(link) -> str:
    lines = [f"{link.source} {'→' if link.directed else '—'} {link.target}"]
    if link.level is not None:
        lines.append(f"Level {link.level}: {LEVELS[link.level]} ({LEVEL_MEANINGS[link.level]})")
    if link.origin:
        lines.append(f"Began with: {ORIGIN_LABELS.get(link.origin, link.origin)}")
    if link.flows:
        lines.append("Flows: " + ", ".join(FLOW_LABELS.get(f, f) for f in link.flows))
    if link.trust is not None:
        lines.append(f"Trust: {TRUST_LABELS[link.trust]} ({link.trust} of 4)")
    return "\n".join(lines)


def pyvis_network(network: Network, height: str = "460px"):
    """pyvis's network of ``network``: its nodes (id = the school's place in the list, label = its
    name), its edges (id = the link's place in the list) and the drawing's options. Both pictures
    are drawn from it: the iframe page (:func:`network_page`) and lesson 04's map editor
    (:func:`drawing_data`)."""
    from pyvis.network import Network as PyvisNetwork  # only where a network is drawn

    net = PyvisNetwork(
        height=height,
        width="100%",
        directed=any(link.directed for link in network.links),
        cdn_resources="remote",
    )
    net.set_template_dir(str(TEMPLATE_DIR), "network.html")
    ids = {school.name: i for i, school in enumerate(network.schools)}
    degree = dict.fromkeys(ids, 0)
    for link in network.links:
        degree[link.source] += 1
        degree[link.target] += 1
    # Saved places (issue 17, widgets_lib.layout): when every school has one, the drawing shows
    # exactly that layout, physics off; otherwise vis-network lays it out as before.
    placed = bool(network.schools) and all(
        school.x is not None and school.y is not None for school in network.schools
    )
    for school in network.schools:
        colour, shape = KIND_STYLE.get(school.kind, KIND_STYLE["other"])
        net.add_node(
            ids[school.name],
            label=school.name,
            title=_school_title(school, degree[school.name]),
            color=colour,
            shape=shape,
            size=16,
            font={"size": 15, "color": "#111"},
            **({"x": school.x, "y": school.y} if placed else {}),
        )
    # Edges are appended directly: pyvis's add_edge scans every edge (quadratic), and the
    # network has been validated already.
    for index, link in enumerate(network.links):
        level = link.level
        net.edges.append(
            {
                "id": index,
                "from": ids[link.source],
                "to": ids[link.target],
                "title": _link_title(link),
                "color": LEVEL_COLOURS.get(level, UNKNOWN_LEVEL)
                if level is not None
                else UNKNOWN_LEVEL,
                "width": 1 + 1.2 * (level or 0),
                "dashes": level is None or level <= 1,
                "arrows": "to" if link.directed else "",
            }
        )
    physics = (
        '{"enabled": false}'
        if placed
        else '{"solver": "forceAtlas2Based", "stabilization": {"iterations": 300, "fit": true}}'
    )
    # The wheel scrolls the page, never zooms the drawing: a reader scrolling past it was stuck.
    options = """{
      "physics": __PHYSICS__,
      "interaction": {"hover": true, "tooltipDelay": 150, "navigationButtons": false, "keyboard": false,
                      "zoomView": false},
      "edges": {"smooth": false}
    }"""
    net.set_options(options.replace("__PHYSICS__", physics))
    return net


def network_page(network: Network, height: str = "460px") -> str:
    """A complete HTML page drawing ``network`` (for an iframe's ``srcdoc``)."""
    html = pyvis_network(network, height).generate_html()
    return html.replace("__STATIC__", STATIC_URL)


def drawing_data(network: Network) -> dict:
    """The nodes, edges and options of :func:`pyvis_network` as plain data (for the map editor)."""
    net = pyvis_network(network)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": json.loads(options)}


def iframe(page: str, height: str = "480px", title: str = "Network drawing") -> str:
    """The drawing in a sandboxed frame: scripts run, but with no access to the course page."""
    return (
        f'<iframe class="course-drawing" sandbox="allow-scripts" title="{escape(title)}" '
        f'style="width:100%;height:{escape(height)};border:0" srcdoc="{escape(page, quote=True)}"></iframe>'
    )


def legend_html(network: Network) -> str:
    """The legend: shapes and colours of kinds, line styles of levels, all named in words."""
    shapes = {"dot": "●", "square": "■", "triangle": "▲", "diamond": "◆", "star": "★"}
    kinds = "".join(
        f'<li><span aria-hidden="true" style="color:{c};font-size:1.2em">{shapes[s]}</span> '
        f"{escape(KIND_LABELS[k])} ({s.replace('dot', 'circle')})</li>"
        for k, (c, s) in KIND_STYLE.items()
    )
    levels = "".join(
        f'<li><span aria-hidden="true" style="display:inline-block;width:2.5em;border-top:{1 + 1.2 * n:.0f}px '
        f'{"dashed" if n <= 1 else "solid"} {LEVEL_COLOURS[n]};vertical-align:middle"></span> '
        f"{n} {escape(LEVELS[n])}: {escape(LEVEL_MEANINGS[n])}</li>"
        for n in LEVELS
    )
    return (
        '<div class="course-legend"><p><strong>Key.</strong> Shape and colour show the kind of partner; '
        "a thicker, darker line shows a closer level of collaboration (dashed: level 0–1 or not given); "
        "an arrow shows a one-way link. Drag a school to move it; hover for details.</p>"
        f'<div class="course-legend-cols"><ul aria-label="Kinds of partner">{kinds}</ul>'
        f'<ul aria-label="Levels of collaboration">{levels}</ul></div></div>'
    )
