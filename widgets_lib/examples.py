"""The invented example networks in ``data/networks/<id>/`` (each says it is fictional)."""

from __future__ import annotations

import json
from functools import cache

from .network import Network
from .paths import data_dir


def _folder():
    return data_dir() / "networks"


@cache
def list_examples() -> list[tuple[str, str]]:
    """(id, title) of every example, the title saying it is invented."""
    found = []
    for about in sorted(_folder().glob("*/about.json")):
        meta = json.loads(about.read_text(encoding="utf-8"))
        title = meta["title"]
        if "invented" not in title.lower() and "fictional" not in title.lower():
            title += " (invented)"
        found.append((about.parent.name, title))
    return found


def load_example(example_id: str) -> tuple[Network, dict[str, float]]:
    """The example's network and its construct scores."""
    from .network_io import read_network

    folder = _folder() / example_id
    network = read_network(
        (folder / "schools.csv").read_bytes(),
        (folder / "links.csv").read_bytes(),
        f"{example_id}/schools.csv",
        f"{example_id}/links.csv",
    )
    answers = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    constructs = answers.get("constructs", answers)
    return network, {k: float(v) for k, v in constructs.items()}
