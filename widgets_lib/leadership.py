"""Who leads in your network (lesson 06): leads on shared activities, and how widely they spread.

A *lead* says that someone in one member of the network, in one role, leads one shared
activity (an enquiry group, co-coaching, a learning forum…). The spread across schools and
roles is what Harris means by leadership "stretched" over school boundaries (C24) and
grounded in activity rather than role (C22). Pure Python; the view is ``views.leadership``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import CourseError
from .network import Network
from .paths import load_json

ACTIVITY = "who_leads"
KEY = "leads"
MAX_LEADS = 300


class LeadError(CourseError):
    """A lead that cannot be recorded; the message is for the learner."""


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    about: str = ""
    formal: bool = False


@dataclass(frozen=True)
class Lead:
    activity: str
    school: str
    role: str

    def as_value(self) -> dict[str, str]:
        return {"activity": self.activity, "school": self.school, "role": self.role}


def activities() -> dict[str, Choice]:
    return {
        a["id"]: Choice(a["id"], a["name"], a.get("about", ""))
        for a in load_json("leadership.json")["activities"]
    }


def roles() -> dict[str, Choice]:
    return {
        r["id"]: Choice(r["id"], r["name"], formal=bool(r.get("formal")))
        for r in load_json("leadership.json")["roles"]
    }


def check_lead(network: Network, lead: Lead, leads: Sequence[Lead]) -> Lead:
    """The lead if it can be added to ``leads``; otherwise LeadError saying what is wrong."""
    if lead.activity not in activities():
        raise LeadError("Please choose a shared activity from the list.")
    if lead.role not in roles():
        raise LeadError("Please choose the role of the person who leads it.")
    if lead.school not in network.names:
        raise LeadError("Please choose a member of your network (draw or change it in Lesson 04).")
    if lead in leads:
        raise LeadError(
            f"{roles()[lead.role].name} at {lead.school} is already marked as leading "
            f"{activities()[lead.activity].name.lower()}."
        )
    if len(leads) >= MAX_LEADS:
        raise LeadError(
            f"You have marked {MAX_LEADS} leads, the most this page keeps. Remove one first."
        )
    return lead


def leads_from_value(value: Any, network: Network) -> tuple[list[Lead], int]:
    """Saved leads that still fit the network, and how many no longer do (a school renamed or removed)."""
    kept: list[Lead] = []
    dropped = 0
    for item in value if isinstance(value, list) else []:
        try:
            lead = Lead(str(item["activity"]), str(item["school"]), str(item["role"]))
            kept.append(check_lead(network, lead, kept))
        except (KeyError, TypeError, LeadError):
            dropped += 1
    return kept, dropped


def to_value(leads: Iterable[Lead]) -> list[dict[str, str]]:
    return [lead.as_value() for lead in leads]


@dataclass(frozen=True)
class Spread:
    """How widely the marked leads spread over the network's members, roles and activities."""

    leads: int
    members: int
    activities_led: int
    members_leading: int
    by_member: dict[str, int]
    by_role: dict[str, int]
    formal_share: float | None
    top_member: str | None
    top_share: float | None
    cross_school: int

    @property
    def member_share(self) -> float | None:
        return self.members_leading / self.members if self.members else None


def spread(network: Network, leads: Sequence[Lead]) -> Spread:
    role_info = roles()
    by_member = Counter(lead.school for lead in leads)
    by_role = Counter(lead.role for lead in leads)
    schools_per_activity: dict[str, set[str]] = {}
    for lead in leads:
        schools_per_activity.setdefault(lead.activity, set()).add(lead.school)
    top = by_member.most_common(1)
    total = len(leads)
    return Spread(
        leads=total,
        members=len(network.schools),
        activities_led=len(schools_per_activity),
        members_leading=len(by_member),
        by_member=dict(by_member.most_common()),
        by_role={r: by_role[r] for r in role_info if by_role[r]},
        formal_share=sum(by_role[r] for r in role_info if role_info[r].formal) / total
        if total
        else None,
        top_member=top[0][0] if top else None,
        top_share=top[0][1] / total if top else None,
        cross_school=sum(1 for schools in schools_per_activity.values() if len(schools) > 1),
    )


def _pct(share: float) -> str:
    return f"{round(share * 100)}%"


def sentences(result: Spread) -> list[str]:
    """What the spread says, in plain words a learner reads next to the picture."""
    if not result.leads:
        return [
            "No leads are marked yet: choose an activity, a member and a role, then add the lead."
        ]
    names = roles()
    said = [
        f"You marked {result.leads} lead{'s' if result.leads != 1 else ''} on {result.activities_led} shared "
        f"activit{'ies' if result.activities_led != 1 else 'y'}. {'It sits' if result.leads == 1 else 'They sit'} "
        f"in {result.members_leading} of the {result.members} members of your network "
        f"({_pct(result.member_share or 0)})."
    ]
    if result.leads >= 3 and result.top_share is not None and result.top_share >= 0.5:
        said.append(
            f"{_pct(result.top_share)} of the leads sit in one member, {result.top_member}: much of the "
            "network's work depends on it, and leadership is not yet stretched across school boundaries."
        )
    if result.cross_school:
        said.append(
            f"{result.cross_school} activit{'ies are' if result.cross_school != 1 else 'y is'} led from more "
            "than one member at once: leadership stretched across school boundaries, as Harris describes."
        )
    else:
        said.append(
            "Every activity is led from a single member. Could any be led jointly by colleagues from two "
            "schools?"
        )
    role_list = ", ".join(f"{names[r].name.lower()} ({n})" for r, n in result.by_role.items())
    kinds = len(result.by_role)
    said.append(
        f"{kinds} kind{'s' if kinds != 1 else ''} of role {'leads' if kinds == 1 else 'lead'} something: "
        f"{role_list}."
    )
    formal = result.formal_share or 0.0
    if formal >= 0.7:
        said.append(
            f"People in leadership posts (headteachers, senior and middle leaders) hold {_pct(formal)} "
            "of the leads: leadership still rests mostly on position, which is Harris's challenge of "
            "culture."
        )
    elif formal <= 0.4:
        said.append(
            f"People without a leadership post hold {_pct(1 - formal)} of the leads: leadership rests "
            "on activity and expertise, not only on position."
        )
    said.append(
        "A wide spread is not a score to maximise: not everyone leads at once, and what matters is "
        "whether the activities build capacity."
    )
    return said


def table_rows(leads: Sequence[Lead]) -> list[tuple[str, str, str]]:
    """(activity, member, role) names, grouped by activity in the order of the activity list."""
    acts, names = activities(), roles()
    order = {key: i for i, key in enumerate(acts)}
    ordered = sorted(
        leads, key=lambda lead: (order.get(lead.activity, len(order)), lead.school.casefold())
    )
    return [(acts[lead.activity].name, lead.school, names[lead.role].name) for lead in ordered]


def marks(result: Spread) -> Mapping[str, str]:
    """The text to write under each leading member in the network picture."""
    return {member: f"leads {count}" for member, count in result.by_member.items()}
