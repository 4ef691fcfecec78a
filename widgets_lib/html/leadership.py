"""Lesson 06's reading of who leads in a network: words, the network with its leads marked, a chart, a table."""

from __future__ import annotations

from html import escape

from .. import leadership
from ..leadership import Lead
from ..network import Network
from .charts import bars_svg
from .common import table
from .network_svg import network_svg


def spread_html(network: Network, leads: list[Lead]) -> str:
    """Plain words, the network with its leading members marked, leads by role, and the table."""
    result = leadership.spread(network, leads)
    words = "".join(f"<li>{escape(s)}</li>" for s in leadership.sentences(result))
    html = f'<div class="course-reading"><h4>How widely leadership is spread</h4><ul>{words}</ul></div>'
    if not leads:
        return html
    names = leadership.roles()
    roles = bars_svg(
        [(names[r].name, n, str(n)) for r, n in result.by_role.items()],
        title="Leads by role",
        maximum=max(result.by_role.values()),
    )
    return (
        html
        + "<h4>Who leads, on your network</h4>"
        + network_svg(
            network,
            marks=leadership.marks(result),
            title="Members of your network that lead",
            framed=True,
            mark_meaning="leads shared activities (number: how many leads)",
        )
        + "<h4>Leads by role</h4>"
        + roles
        + table(
            "Every lead you marked",
            ["Shared activity", "Member", "Role"],
            leadership.table_rows(leads),
        )
    )
