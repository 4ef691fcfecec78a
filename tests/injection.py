"""The injection sweep's shared parts (tests/unit/test_injection_render.py in-process,
tests/reliability/test_injection.py in Chromium): the hostile texts, a learner and a cohort whose
every free-text field holds them (saved through the model functions and store calls the widgets
use), and a checker that reads HTML the way a browser would.

Every seeding function takes ``texts``: :data:`PAYLOADS`, or :data:`BENIGN` (plain words under
the same keys), so a test can render the same work twice and compare the element structure: an
element or attribute present only in the hostile render came from a payload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from widgets_lib import (
    capacity,
    challenges,
    cohorts,
    health,
    identity,
    leadership,
    perspectives,
    plan,
    reflections,
)
from widgets_lib.cohort_network import Contribution, check_manual_merge, merge
from widgets_lib.network import KINDS, ORIGINS, Network, School, check_school_name
from widgets_lib.network_io import csv_bytes, read_network
from widgets_lib.record import NETWORK_ACTIVITY, NETWORK_KEY, load_network, network_to_value
from widgets_lib.store import Store

PAYLOADS: dict[str, str] = {
    "img": "<img src=x onerror=alert(1)>",
    "svg": '"><svg onload=alert(1)>',
    "script": "</script><script>alert(1)</script>",
    "href": '<a href="javascript:alert(1)" title="x">click</a>',
    "breakout": '" title="x" href="javascript:alert(1)',
    "template": "{{7*7}}",
    "rtl": "\u202egnp.exe",
}
PAYLOADS["all"] = " ".join(PAYLOADS.values())
KEYS = tuple(PAYLOADS)
BENIGN: dict[str, str] = {key: f"Plain {key} words" for key in KEYS[:-1]}
BENIGN["all"] = " ".join(BENIGN.values())

RTL = "\u202e"
# What the static SVG pictures show of a text: bidi controls are taken out (network_svg._UNSAFE).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    return " ".join(_BIDI.sub("", text).split())


def fitting(limit: int) -> list[str]:
    """Keys of the texts a name field takes: short enough and without format characters
    (``cohorts.check_name`` refuses those, so a name cannot reorder the text around it)."""
    return [key for key in KEYS if len(PAYLOADS[key]) <= limit and RTL not in PAYLOADS[key]]


def rotate(key: str, by: int) -> str:
    return KEYS[(KEYS.index(key) + by) % len(KEYS)]


# -- a hostile learner -----------------------------------------------------------------------------
UI_SCHOOL = "img"  # the school added with the keyboard in lesson 04 (the rest come from the CSV)
UI_REFLECTION = "r01a"  # typed key by key in lesson 01
UI_NOTE = "distance"  # the challenge note typed in lesson 08


def schools_csv(
    texts: Mapping[str, str], skip: str | None = UI_SCHOOL, bad_kind: str | None = None
) -> bytes:
    """``schools.csv``: one school per text (its name), the next texts as phase, locality and an
    extra column."""
    rows: list[list[object]] = [["name", "kind", "phase", "locality", "notes"]]
    for i, key in enumerate(KEYS):
        if key == skip:
            continue
        rows.append(
            [
                texts[key],
                bad_kind if bad_kind and i == 1 else KINDS[i % len(KINDS)],
                texts[rotate(key, 1)],
                texts[rotate(key, 2)],
                texts[rotate(key, 3)],
            ]
        )
    return csv_bytes(rows)


def links_csv(texts: Mapping[str, str], skip: str | None = UI_SCHOOL) -> bytes:
    """``links.csv``: the schools in a ring, every field filled, an extra column of texts."""
    names = [texts[key] for key in KEYS if key != skip]
    rows: list[list[object]] = [
        ["from", "to", "level", "origin", "flows", "directed", "trust", "comment"]
    ]
    for i, name in enumerate(names):
        rows.append(
            [
                name,
                names[(i + 1) % len(names)],
                i % 6,
                ORIGINS[i % len(ORIGINS)],
                "information|joint_practice" if i % 2 else "staff",
                "yes" if i % 3 == 0 else "no",
                1 + i % 4,
                texts[KEYS[(i + 4) % len(KEYS)]],
            ]
        )
    return csv_bytes(rows)


def keyboard_school(texts: Mapping[str, str]) -> School:
    """The school a learner types into lesson 04's form (name, phase, locality)."""
    return School(texts[UI_SCHOOL], "school", texts["template"], texts["rtl"])


def hostile_network(texts: Mapping[str, str]) -> Network:
    """The network the browser journey builds: the CSV files imported, then one school typed."""
    network = read_network(schools_csv(texts), links_csv(texts))
    school = keyboard_school(texts)
    return network.with_school(
        School(check_school_name(network, school.name), school.kind, school.phase, school.locality)
    )


def journal_answer(texts: Mapping[str, str], index: int) -> str:
    return texts[KEYS[(index + len(KEYS) - 1) % len(KEYS)]]  # question 0 (r01a) gets "all"


def note_text(texts: Mapping[str, str], index: int) -> str:
    return texts[KEYS[(index + len(KEYS) - 1) % len(KEYS)]]  # distance (the first) gets "all"


def plan_actions(texts: Mapping[str, str]) -> list[plan.Action]:
    """One action per text (what), another text as who; the last one is typed through the form."""
    keys = list(plan.CHALLENGES)
    actions = [
        plan.check_action(
            texts[key], texts[rotate(key, 3)], date(2027, 1, 1 + i), keys[i % len(keys)]
        )
        for i, key in enumerate(KEYS)
    ]
    actions.append(plan.check_action(texts["breakout"], texts["all"], date(2027, 3, 1), "culture"))
    return actions


def own_example(texts: Mapping[str, str]) -> str:
    """The example from the learner's own school written at the end of each sorter (lessons 02 and
    06): every payload in one text, as neither page's journey types it."""
    return texts["all"]


def learning_answers(texts: Mapping[str, str]) -> dict[str, str]:
    """What the plan's learning part holds (lesson 08): every payload in each of the three fields
    (learning from, with and on behalf of partners)."""
    return {key: texts["all"] for key in plan.LEARNING_KEYS}


def ui_lead(texts: Mapping[str, str]) -> leadership.Lead:
    """The lead marked through lesson 06's lists: first activity and role, the combined school."""
    acts, roles = list(leadership.activities()), list(leadership.roles())
    return leadership.Lead(acts[0], texts["all"], roles[0])


def seeded_leads(network: Network) -> list[leadership.Lead]:
    acts, roles = list(leadership.activities()), list(leadership.roles())
    return [
        leadership.Lead(acts[(i + 1) % len(acts)], name, roles[(i + 1) % len(roles)])
        for i, name in enumerate(network.names)
    ]


@dataclass(frozen=True)
class Learner:
    code: str
    id: str


def new_learner(store: Store) -> Learner:
    code = identity.new_code()
    learner = Learner(code, identity.code_key(code))
    store.ensure_learner(learner.id, "code")
    return learner


def seed_work(
    store: Store,
    learner: Learner,
    texts: Mapping[str, str],
    network: Network | None = None,
    *,
    ui_done: bool = False,
) -> None:
    """Save the learner's work in every lesson, as the widgets save it. ``network`` (when given)
    is saved as lesson 04 saves it; ``ui_done`` leaves out what the browser journey enters through
    the pages."""
    lid = learner.id
    if network is not None:
        store.save(lid, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
    bank = capacity.load_bank()
    store.save(
        lid, capacity.ACTIVITY, "attempts", [{"n": 1, "started": "2027-01-04T09:00:00+00:00"}]
    )
    for i, item in enumerate(bank.items):
        store.save(
            lid,
            capacity.ACTIVITY,
            capacity.answer_key(1, item.id),
            capacity.check_answer(bank, item.id, 1 + i % 4),
        )
    for i, item in enumerate(health.load_items().items):
        store.save(lid, "health", item.id, health.check_item_answer(item.id, 1 + i % 5))
    for i, question in enumerate(reflections.questions()):
        if ui_done and question.id == UI_REFLECTION:
            continue
        store.save(
            lid,
            reflections.ACTIVITY,
            question.id,
            reflections.check_text(question.id, journal_answer(texts, i)),
        )
    _ratings, found = challenges.load()
    for i, challenge in enumerate(found):
        store.save(
            lid,
            challenges.ACTIVITY,
            challenges.rating_key(challenge.id),
            challenges.check_rating(challenge.id, 1 + i),
        )
        if not (ui_done and challenge.id == UI_NOTE):
            store.save(
                lid,
                challenges.ACTIVITY,
                challenges.note_key(challenge.id),
                challenges.check_note(challenge.id, note_text(texts, i)),
            )
    actions: list[plan.Action] = []
    for action in plan_actions(texts)[:-1] if ui_done else plan_actions(texts):
        actions = plan.add(actions, action)
    store.save(lid, plan.ACTIVITY, plan.KEY, plan.to_value(actions))
    for key, text in learning_answers(texts).items():
        store.save(lid, plan.ACTIVITY, key, plan.check_learning(key, text))
    store.save(lid, plan.ACTIVITY, plan.WAY_KEY, plan.check_way(next(iter(plan.WAYS))))
    for source in perspectives.SORTERS.values():
        sorter = perspectives.load_sorter(source)
        store.save(
            lid, source, perspectives.OWN_TEXT, perspectives.check_own_text(own_example(texts))
        )
        store.save(
            lid,
            source,
            perspectives.OWN_CHOICE,
            perspectives.check_own_choice(sorter, sorter.perspectives[0].id),
        )
    saved_network = network if network is not None else load_network(store, lid)
    leads: list[leadership.Lead] = [] if ui_done else [ui_lead(texts)]
    for lead in seeded_leads(saved_network):
        leads.append(leadership.check_lead(saved_network, lead, leads))
    store.save(lid, leadership.ACTIVITY, leadership.KEY, leadership.to_value(leads))


# -- a hostile cohort ------------------------------------------------------------------------------
# The cohort name typed on the dashboard: as many payloads as a name holds (each other cohort's
# dashboard is one more kernel for the browser journey to start).
UI_COHORT = ("href", "breakout", "svg", "template")
UI_DISPLAY = "svg"  # the name the hostile learner types when joining


def cohort_name(texts: Mapping[str, str], keys: tuple[str, ...] | list[str]) -> str:
    return " ".join(texts[key] for key in keys)


def cohort_names() -> list[str]:
    """Keys of the texts a cohort name can hold (the others are refused)."""
    return fitting(cohorts.MAX_COHORT_NAME)


def display_names() -> list[str]:
    return fitting(cohorts.MAX_DISPLAY_NAME)


def seed_members(
    store: Store, join_code: str, texts: Mapping[str, str], skip: str | None = UI_DISPLAY
) -> list[Learner]:
    """One participant per display name that fits (their own work with texts in it, journals
    shared): school names spelled like the hostile learner's in other capitals, and look-alikes
    for the dashboard to suggest."""
    members = []
    for i, key in enumerate(display_names()):
        if key == skip:
            continue
        member = new_learner(store)
        own = [texts[key], texts[rotate(key, 1)].upper(), texts[rotate(key, 2)] + " annexe"]
        network = read_network(
            csv_bytes([["name", "locality"], *[[name, texts[rotate(key, 3)]] for name in own]]),
            csv_bytes([["from", "to", "level"], [own[0], own[1], 3], [own[1], own[2], 2]]),
        )
        store.save(member.id, NETWORK_ACTIVITY, NETWORK_KEY, network_to_value(network))
        if i % 2 == 0:
            bank = capacity.load_bank()
            store.save(
                member.id,
                capacity.ACTIVITY,
                "attempts",
                [{"n": 1, "started": "2027-01-05T09:00:00+00:00"}],
            )
            for item in bank.items:
                store.save(member.id, capacity.ACTIVITY, capacity.answer_key(1, item.id), 2)
        store.save(
            member.id,
            reflections.ACTIVITY,
            "r01a",
            reflections.check_text("r01a", texts[rotate(key, 4)]),
        )
        cohorts.join(store, member.id, join_code, texts[key], share_reflections=True)
        members.append(member)
    return members


def seed_merge(store: Store, cohort_id: str, texts: Mapping[str, str]) -> tuple[str, str]:
    """A tutor's manual merge of two payload-named schools, checked as the dashboard checks it."""
    views = cohorts.cohort_views(store, cohort_id)
    merged = merge(
        [
            Contribution(f"{v.name} ({i + 1})", v.network)
            for i, v in enumerate(views)
            if v.network.schools
        ]
    )
    source, target = check_manual_merge(merged, texts["script"] + " annexe", texts["script"])
    store.add_merge(cohort_id, source, target)
    return source, target


def extra_cohorts(
    store: Store, texts: Mapping[str, str], skip: tuple[str, ...] = UI_COHORT
) -> list[tuple[list[str], str, str]]:
    """Cohorts named with every other text a name can hold, as many to a name as its length
    allows: (keys, join code, tutor key)."""
    groups: list[list[str]] = [[]]
    for key in cohort_names():
        if key in skip:
            continue
        if groups[-1] and len(cohort_name(PAYLOADS, [*groups[-1], key])) > cohorts.MAX_COHORT_NAME:
            groups.append([])
        groups[-1].append(key)
    made = []
    for keys in groups:
        _cohort, join_code, tutor_key = cohorts.create(store, cohort_name(texts, keys))
        made.append((keys, join_code, tutor_key))
    return made


# -- reading HTML as a browser does --------------------------------------------------------------
# What a payload would make: elements, handlers, javascript: URLs, the breakout's title="x".
FORBIDDEN_TAGS = frozenset(
    {"script", "img", "object", "embed", "base", "form", "frame", "frameset", "iframe"}
)


class Parsed(HTMLParser):
    """Elements (tag, attributes), visible text and script text of one HTML document or fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self._inside: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))
        if tag in ("script", "style"):
            self._inside = tag
            if tag == "script":
                self.scripts.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside == "script":
            self.scripts[-1] += data
        elif self._inside is None:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def shape(self) -> set[tuple[str, tuple[str, ...]]]:
        """Which kinds of element (tag and attribute names) occur, frames' documents included."""
        kinds = {(tag, tuple(sorted(attrs))) for tag, attrs in self.elements}
        for document in self.frames():
            kinds |= {("frame:" + tag, names) for tag, names in document.shape()}
        return kinds

    def frames(self) -> list[Parsed]:
        return [
            Parsed(attrs["srcdoc"])
            for tag, attrs in self.elements
            if tag == "iframe" and "srcdoc" in attrs
        ]


def problems(html: str, where: str = "") -> list[str]:
    """Everything in ``html`` a payload could have made (empty when it is inert). The course's own
    drawing frame may hold scripts: exactly the vis-network file and one inline script, whose data
    holds no markup character; every frame must be sandboxed without same-origin access."""
    found: list[str] = []
    doc = Parsed(html)
    for tag, attrs in doc.elements:
        found += _element_problems(tag, attrs, where)
    for frame in doc.frames():
        found += drawing_problems(frame, where)
    return found


def _element_problems(
    tag: str, attrs: Mapping[str, str], where: str, in_drawing: bool = False
) -> list[str]:
    found = []
    if tag in FORBIDDEN_TAGS and not (tag == "script" and in_drawing):
        if tag == "iframe":
            tokens = attrs.get("sandbox", None)
            if tokens is None or "allow-same-origin" in tokens.split() or "srcdoc" not in attrs:
                found.append(f"{where}: an iframe without a same-origin-free sandbox: {attrs}")
        else:
            found.append(f"{where}: a <{tag}> element {attrs}")
    for name, value in attrs.items():
        if name.startswith("on"):
            found.append(f"{where}: <{tag} {name}=…>")
        if re.sub(r"[\s\x00-\x1f]", "", value).casefold().startswith("javascript:"):
            found.append(f"{where}: <{tag} {name}={value!r}>")
        if name == "title" and value == "x":
            found.append(f'{where}: <{tag} title="x">')
    return found


def drawing_problems(frame: Parsed, where: str) -> list[str]:
    found = []
    for tag, attrs in frame.elements:
        found += _element_problems(tag, attrs, where + " (drawing)", in_drawing=True)
    scripts = [attrs for tag, attrs in frame.elements if tag == "script"]
    sources = [attrs.get("src", "") for attrs in scripts if "src" in attrs]
    if len(scripts) != 2 or len(sources) != 1 or not sources[0].endswith("/vis-network.min.js"):
        found.append(f"{where} (drawing): unexpected scripts {scripts}")
    for script in frame.scripts:
        if "<" in "".join(drawing_data(script)):
            found.append(f"{where} (drawing): markup characters in the data of the script")
    return found


def drawing_data(script: str) -> list[str]:
    """The raw JSON texts the drawing's inline script passes to vis (nodes, edges)."""
    marker, found, start = "new vis.DataSet(asText(", [], 0
    while (at := script.find(marker, start)) >= 0:
        _value, start = json.JSONDecoder().raw_decode(script, at + len(marker))
        found.append(script[at + len(marker) : start])
    return found


def drawing_items(html_or_script: str) -> tuple[list[dict], list[dict]]:
    """The nodes and edges the drawing gives vis-network (from the page's inline script)."""
    texts = drawing_data(html_or_script)
    if len(texts) != 2:
        raise AssertionError(
            f"expected nodes and edges in the drawing's script, found {len(texts)}"
        )
    return json.loads(texts[0]), json.loads(texts[1])


def assert_inert(html: str, where: str = "") -> Parsed:
    found = problems(html, where)
    assert not found, "\n".join(found)
    return Parsed(html)


def keys_shown(texts: Mapping[str, str], shown: str) -> set[str]:
    """Which of the texts appear literally in ``shown``."""
    return {key for key in KEYS if texts[key] in shown}
