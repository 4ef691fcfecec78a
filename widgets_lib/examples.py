"""The invented example networks in ``data/networks/<id>/`` (each says it is fictional).

Each example is a worked case: its story (``about.json``), its drawing, and invented answers
to the health questions, so that its diagnosis can be shown with the reasons behind it. A
*look-alike* (``looks_like``) resembles one of the empty networks in its drawing but is not
one; its ``about.json`` says why it looks like one and why it is not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from . import CourseError
from .network import Network
from .paths import data_dir

if TYPE_CHECKING:
    from .classify import Diagnosis


@dataclass(frozen=True)
class Example:
    """One worked case: what ``about.json`` says, the network and its construct scores."""

    id: str
    title: str
    story: str
    note: str
    built_to_show: str
    network: Network
    constructs: dict[str, float]
    looks_like: str | None = None
    looks_like_because: str = ""
    is_not_because: str = ""


def _folder():
    return data_dir() / "networks"


def _invented(title: str) -> str:
    if "invented" not in title.lower() and "fictional" not in title.lower():
        title += " (invented)"
    return title


@cache
def list_examples() -> list[tuple[str, str]]:
    """(id, title) of every example, the title saying it is invented."""
    found = []
    for about in sorted(_folder().glob("*/about.json")):
        meta = json.loads(about.read_text(encoding="utf-8"))
        found.append((about.parent.name, _invented(meta["title"])))
    return found


@cache
def example(example_id: str) -> Example:
    """The worked case ``example_id`` (one of :func:`list_examples`; any other id is refused)."""
    from .network_io import read_network

    titles = dict(list_examples())
    if example_id not in titles:
        raise CourseError(f"There is no example network called {example_id!r}.")
    folder = _folder() / example_id
    about = json.loads((folder / "about.json").read_text(encoding="utf-8"))
    network = read_network(
        (folder / "schools.csv").read_bytes(),
        (folder / "links.csv").read_bytes(),
        f"{example_id}/schools.csv",
        f"{example_id}/links.csv",
    )
    answers = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    constructs = answers.get("constructs", answers)
    return Example(
        id=example_id,
        title=titles[example_id],
        story=about["story"],
        note=about["note"],
        built_to_show=about["built_to_show"],
        network=network,
        constructs={k: float(v) for k, v in constructs.items()},
        looks_like=about.get("looks_like"),
        looks_like_because=about.get("looks_like_because", ""),
        is_not_because=about.get("is_not_because", ""),
    )


def load_example(example_id: str) -> tuple[Network, dict[str, float]]:
    """The example's network and its construct scores."""
    case = example(example_id)
    return case.network, dict(case.constructs)


def diagnose_example(example_id: str) -> Diagnosis:
    """The example's diagnosis from its drawing and its own (invented) answers."""
    from .classify import diagnose

    case = example(example_id)
    return diagnose(case.network, case.constructs)


def look_alikes() -> list[Example]:
    """The examples that resemble an empty network but are not one, in the order of the list."""
    return [case for case in map(example, dict(list_examples())) if case.looks_like]
