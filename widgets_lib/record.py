"""A learner's saved work across every lesson, read in one go (pure Python, no widgets).

Later lessons build on earlier ones (lesson 06 marks leaders on the network of lesson 04,
lesson 08 weighs challenges against all of it) and the personal report gathers it all.
Each activity's stored form is read here, in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import capacity, health, network_io
from .network import Network
from .store import Store

NETWORK_ACTIVITY = "network"
NETWORK_KEY = "current"
HEALTH_ACTIVITY = "health"


def network_to_value(network: Network) -> Any:
    return json.loads(network_io.to_json(network))


def network_from_value(value: Any) -> Network:
    return network_io.read_json(json.dumps(value).encode("utf-8"), "your saved network")


@dataclass(frozen=True)
class Record:
    """Everything one learner has saved: ``values[activity][key]`` and when each activity last changed."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)

    def activity(self, name: str) -> dict[str, Any]:
        return self.values.get(name, {})

    @property
    def network(self) -> Network:
        saved = self.activity(NETWORK_ACTIVITY).get(NETWORK_KEY)
        return network_from_value(saved) if saved else Network()

    @property
    def health_answers(self) -> dict[str, int]:
        return {k: v for k, v in self.activity(HEALTH_ACTIVITY).items() if isinstance(v, int)}

    @property
    def constructs(self) -> dict[str, float]:
        """Construct scores 1–5 from the health check; empty when it was not answered."""
        answers = self.health_answers
        return health.construct_scores(answers) if answers else {}

    def capacity(self) -> tuple[int, capacity.Result] | None:
        """The latest complete capacity attempt and its result, or None."""
        bank = capacity.load_bank()
        attempts = capacity.split_attempts(self.activity(capacity.ACTIVITY))
        for number in sorted(attempts, reverse=True):
            result = capacity.assess(bank, attempts[number])
            if result.complete:
                return number, result
        return None


def load_record(store: Store, learner_id: str) -> Record:
    values, updated = store.load_everything(learner_id)
    return Record(values, updated)


def saved_network(saved: dict[str, Any]) -> Network:
    """The network among the network activity's saved answers (empty if none)."""
    value = saved.get(NETWORK_KEY)
    return network_from_value(value) if value else Network()


def load_network(store: Store, learner_id: str) -> Network:
    """The learner's network as last saved (empty if none), for the lessons after lesson 04."""
    return saved_network(store.load(learner_id, NETWORK_ACTIVITY))


def describe(activity: str, value: Any) -> str:
    """One saved answer in words, as a learner reads it back (e.g. a draft that could not be saved)."""
    if activity == NETWORK_ACTIVITY and isinstance(value, dict):
        network = network_from_value(value)
        schools = _some([school.name for school in network.schools]) or "none"
        links = _some(
            [
                f"{link.source} {'→' if link.directed else '—'} {link.target}"
                for link in network.links
            ]
        )
        return (
            f"a network of {len(network.schools)} school{'s' if len(network.schools) != 1 else ''} "
            f"({schools}) and {len(network.links)} link{'s' if len(network.links) != 1 else ''}"
            + (f" ({links})" if links else "")
        )
    return _plain(value)


def _some(names: list[str], shown: int = 30) -> str:
    more = f"; and {len(names) - shown:,} more" if len(names) > shown else ""
    return "; ".join(names[:shown]) + more


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return ", ".join(
            f"{key}: {_plain(item)}"
            for key, item in value.items()
            if item not in (None, "", [], {})
        )
    if isinstance(value, list):
        return "; ".join(_plain(item) for item in value)
    return "" if value is None else str(value)
