"""A cohort's networks merged into one (pure Python, no widgets, no store): the tutor's view.

Each participant draws their own school network (lesson 04). The tutor sees them as one
network, in which a school named by several participants is one school.

**Same name.** Two names are the same school when their :func:`name_key` is equal: the
key of ``network_io`` (Unicode NFKC, casefold, runs of spaces as one space) without
apostrophes (of any kind) and with every dash written ``-``. So "St Mary's  Primary",
"st marys primary", "St Mary’s Primary" and "ＳＴ ＭＡＲＹ'Ｓ ＰＲＩＭＡＲＹ" are one school.
A tutor adds the rest by hand: ``manual`` maps a spelling to the spelling it is the same
as ("Ash Prim." → "Ash Primary School"), compared by key too; chains resolve
(a → b, b → c puts a, b and c together) and a circle is a :class:`MergeError`.

**Merged school.** Its ``name`` is the spelling written most often: spellings with the same
key count together first ("Ash Primary School" and "ash primary school" outvote "Ash Prim."),
then the commonest exact spelling of that key; a tie goes to the one seen first, in the order
of the contributions. Its ``kind`` is the commonest kind (ties likewise); ``spellings`` lists
every spelling in that order, the name first; ``reported_by`` the participants whose network
has the school.

**Merged link.** Links are merged as undirected pairs: A → B from one participant and
B – A from another are one link A – B, whose ``level`` is the highest level reported (None
when nobody gave one) and whose ``reported_by`` names both. Links inside one merged school
(two of a participant's schools that a manual merge made one) are dropped.

**One-sided link.** A merged link A – B is *one-sided* ("reported by one side only") when

1. exactly one participant reported it, and at least one other participant's network has
   both A and B (so they could have drawn the link and did not); or
2. a participant whose ``own_school`` is A or B did not report it, while someone else did.

``not_reported_by`` names the participants who could have reported a link and did not
(their network has both schools, or their own school is one of the two), whether or not
that makes the link one-sided. A link nobody else could have seen is not one-sided.

Participants are told apart by their position in the list of contributions; their
``participant`` label is only shown, so give each a distinct label.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from . import CourseError
from .lazy import lazy_module
from .network import Link, Network, School
from .network_io import _key

np = lazy_module("numpy")  # only where a layout or a name comparison is computed

__all__ = [
    "Contribution",
    "Merged",
    "MergedLink",
    "MergedSchool",
    "MergeError",
    "check_manual_merge",
    "merge",
    "name_key",
    "suggestions",
    "without_names",
]

# Marks people type for an apostrophe (dropped: "St Mary's" is "St Marys"), and dashes (unified);
# NFKC leaves these as they are.
_APOSTROPHES = "'\u2018\u2019\u201b\u2032\u02bc\u0060\u00b4"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_UNIFY = str.maketrans({**dict.fromkeys(_APOSTROPHES, ""), **dict.fromkeys(_DASHES, "-")})
_PUNCTUATION = re.compile(r"[^\w\s]")
_NO_MERGES: Mapping[str, str] = MappingProxyType({})

# suggestions(): how alike two names must be, and how far to look in sorted order.
_CUTOFF = 0.85
_MIN_PREFIX = 6
_WINDOW = 8
_MAX_PREFIX_SCAN = 50
_COLUMNS = 64  # characters counted apart for difflib's quick_ratio bound


class MergeError(CourseError):
    """A manual merge that cannot be done; ``str(err)`` is one sentence for the tutor."""


def name_key(name: str) -> str:
    """What two school names must differ in to be two schools: not capitals, spacing, Unicode
    width forms, apostrophes or the kind of dash."""
    # Before NFKC too: NFKC turns an acute accent used as an apostrophe into space + accent.
    return _key(name.translate(_UNIFY)).translate(_UNIFY)


@dataclass(frozen=True)
class Contribution:
    """One participant's network; ``own_school`` is the school they work in, when known."""

    participant: str
    network: Network
    own_school: str | None = None


@dataclass(frozen=True)
class MergedSchool:
    """One school of the merged network (see the module's docstring for the name and kind)."""

    name: str
    kind: str
    spellings: tuple[str, ...]
    reported_by: tuple[str, ...]


@dataclass(frozen=True)
class MergedLink:
    """One undirected link of the merged network: ``source`` < ``target`` (merged names);
    ``not_reported_by`` are those who could have reported it and did not."""

    source: str
    target: str
    reported_by: tuple[str, ...]
    level: int | None
    one_sided: bool
    not_reported_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Merged:
    """The merged cohort network. ``network`` has one school per merged school and one
    undirected link per merged link, in the same order (``network.links[i]`` is
    ``links[i]``), so ``network_svg`` and ``metrics`` can use it."""

    schools: tuple[MergedSchool, ...] = ()
    links: tuple[MergedLink, ...] = ()
    network: Network = Network()
    # For check_manual_merge: per school, the spelling its manual merges lead to.
    _roots: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def find(self, name: str) -> MergedSchool | None:
        """The merged school with this spelling (compared by :func:`name_key`), if any."""
        index = self._index().get(name_key(name))
        return None if index is None else self.schools[index]

    def _keys(self) -> list[tuple[str, int]]:
        """(key, school number) for every spelling, computed once."""
        keys = self.__dict__.get("_spelling_keys")
        if keys is None:
            keys = [
                (name_key(spelling), i)
                for i, school in enumerate(self.schools)
                for spelling in school.spellings
            ]
            object.__setattr__(self, "_spelling_keys", keys)
        return keys

    def _index(self) -> dict[str, int]:
        index = self.__dict__.get("_by_key")
        if index is None:
            index = dict(self._keys())
            object.__setattr__(self, "_by_key", index)
        return index


def _quote(name: str) -> str:
    return f"“{' '.join(name.split())}”"


def _resolver(manual: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``(final, spelling)``: the key each merged key leads to, and a spelling for each key
    named in ``manual``. Raises :class:`MergeError` on a circle or a name merged two ways."""
    step: dict[str, tuple[str, str, str]] = {}  # key → (next key, its spelling, this spelling)
    spelling: dict[str, str] = {}
    for source, target in manual.items():
        a, b = name_key(source), name_key(target)
        if not a or not b:
            raise MergeError("A manual merge has an empty name; remove it.")
        spelling.setdefault(a, source)
        spelling.setdefault(b, target)
        if a == b:
            continue
        if a in step and step[a][0] != b:
            raise MergeError(
                f"{_quote(step[a][2])} is merged with two different schools, "
                f"{_quote(step[a][1])} and {_quote(target)}; keep one of the two "
                "merges."
            )
        step[a] = (b, target, source)
    final: dict[str, str] = {}
    for start in step:
        path: list[str] = []
        on_path: set[str] = set()
        key = start
        while key in step and key not in final:
            if key in on_path:
                circle = path[path.index(key) :] + [key]
                names = " → ".join(_quote(step[k][2]) for k in circle)
                raise MergeError(
                    f"The manual merges go round in a circle: {names}; remove one of them."
                )
            on_path.add(key)
            path.append(key)
            key = step[key][0]
        end = final.get(key, key)
        for visited in path:
            final[visited] = end
    return final, spelling


def _most_common(counts: Counter[str]) -> str:
    return max(counts, key=counts.__getitem__)  # max keeps the first of equals: first seen


def _ranked(spellings: Counter[str], keys: Mapping[str, str]) -> list[str]:
    """Spellings most common first: by key ("Oak" and "OAK" add up), then exactly; ties in the
    order first seen (``sorted`` is stable and a Counter keeps that order)."""
    if len(spellings) == 1:
        return list(spellings)
    by_key: Counter[str] = Counter()
    for spelling, count in spellings.items():
        by_key[keys[spelling]] += count
    order = {key: i for i, key in enumerate(by_key)}
    return sorted(spellings, key=lambda s: (-by_key[keys[s]], order[keys[s]], -spellings[s]))


class _School:
    __slots__ = ("spellings", "kinds", "members")

    def __init__(self) -> None:
        self.spellings: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.members: dict[int, None] = {}  # participants whose network has it, in order


class _Link:
    __slots__ = ("reporters", "level")

    def __init__(self) -> None:
        self.reporters: dict[int, None] = {}
        self.level: int | None = None


def merge(contributions: Sequence[Contribution], manual: Mapping[str, str] = _NO_MERGES) -> Merged:
    """Merge the participants' networks into one (see the module's docstring for the rules).

    ``manual`` maps a spelling to the spelling it is the same school as; both are compared by
    :func:`name_key`, and a spelling no participant used is allowed (it may be the end of a
    chain). A circle, or one name merged with two schools, is a :class:`MergeError`.
    """
    final, manual_spelling = _resolver(manual)
    schools: dict[str, _School] = {}  # by the key the school's names lead to
    links: dict[tuple[str, str], _Link] = {}
    owners: dict[str, set[int]] = {}
    keys: dict[str, str] = {}  # name_key of each spelling: participants share most spellings
    for number, contribution in enumerate(contributions):
        local: dict[str, str] = {}
        for school in contribution.network.schools:
            key = keys.get(school.name)
            if key is None:
                key = keys[school.name] = name_key(school.name)
            if not key:
                continue
            root = final.get(key, key)
            local[school.name] = root
            merged = schools.get(root)
            if merged is None:
                merged = schools[root] = _School()
            merged.spellings[school.name] += 1
            merged.kinds[school.kind] += 1
            merged.members[number] = None
        if contribution.own_school:
            key = name_key(contribution.own_school)
            if key:
                owners.setdefault(final.get(key, key), set()).add(number)
        for link in contribution.network.links:
            a, b = local.get(link.source), local.get(link.target)
            if a is None or b is None or a == b:
                continue
            pair = (a, b) if a < b else (b, a)
            merged_link = links.get(pair)
            if merged_link is None:
                merged_link = links[pair] = _Link()
            merged_link.reporters[number] = None
            if link.level is not None and (
                merged_link.level is None or link.level > merged_link.level
            ):
                merged_link.level = link.level

    labels = [contribution.participant for contribution in contributions]
    names: dict[str, str] = {}
    merged_schools: list[MergedSchool] = []
    roots: list[str] = []
    for root, school in schools.items():
        ranked = _ranked(school.spellings, keys)
        name = ranked[0]
        names[root] = name
        merged_schools.append(
            MergedSchool(
                name=name,
                kind=_most_common(school.kinds),
                spellings=tuple(ranked),
                reported_by=tuple(labels[n] for n in school.members),
            )
        )
        roots.append(
            next((s for s in ranked if keys[s] == root), None) or manual_spelling.get(root, name)
        )

    merged_links: list[MergedLink] = []
    for (a, b), link in links.items():
        reporters = link.reporters
        members_a, members_b = schools[a].members, schools[b].members
        if len(members_a) > len(members_b):
            members_a, members_b = members_b, members_a
        could = {n for n in members_a if n in members_b and n not in reporters}
        owners_missing = (owners.get(a, set()) | owners.get(b, set())) - reporters.keys()
        one_sided = bool(owners_missing) or (len(reporters) == 1 and bool(could))
        source, target = sorted((names[a], names[b]))
        merged_links.append(
            MergedLink(
                source=source,
                target=target,
                reported_by=tuple(labels[n] for n in reporters),
                level=link.level,
                one_sided=one_sided,
                not_reported_by=tuple(labels[n] for n in sorted(could | owners_missing)),
            )
        )

    network = Network(
        schools=tuple(School(name=s.name, kind=s.kind) for s in merged_schools),
        links=tuple(
            Link(source=link.source, target=link.target, level=link.level) for link in merged_links
        ),
    )
    return Merged(
        schools=tuple(merged_schools),
        links=tuple(merged_links),
        network=network,
        _roots=tuple(roots),
    )


def check_manual_merge(merged: Merged, a: str, b: str) -> tuple[str, str]:
    """Check a tutor's request "``a`` is the same school as ``b``"; return ``(source, target)``
    to record as ``manual[source] = target``, else raise :class:`MergeError`.

    Both names must be (spellings of) schools of ``merged`` and not already one school.
    ``target`` is ``b``'s merged name. ``source`` is the spelling ``a``'s earlier merges lead
    to (``a``'s merged name when it has none), so recording it never undoes an earlier merge
    nor makes a circle.
    """
    if not name_key(a or "") or not name_key(b or ""):
        raise MergeError("Choose the two schools that are the same.")
    index = merged._index()
    found = []
    for name in (a, b):
        position = index.get(name_key(name))
        if position is None:
            close = difflib.get_close_matches(name_key(name), index, n=1, cutoff=0.75)
            hint = (
                f"; did you mean {_quote(merged.schools[index[close[0]]].name)}?" if close else "."
            )
            raise MergeError(f"{_quote(name)} is not a school in the cohort's network{hint}")
        found.append(position)
    first, second = found
    if first == second:
        raise MergeError(
            f"{_quote(a)} and {_quote(b)} are already one school, "
            f"{_quote(merged.schools[first].name)}."
        )
    source = merged._roots[first] if merged._roots else merged.schools[first].name
    return source, merged.schools[second].name


def without_names(manual: Mapping[str, str], gone: Collection[str]) -> dict[str, str]:
    """The manual merges without any spelling whose :func:`name_key` is in ``gone`` (the school
    names of an erased learner that no one else in the cohort has), keeping what they joined
    among the other names: a → g → c becomes a → c; a → g and b → g (g the end of the chain)
    become b → a; a merge left with one name goes. So an erasure removes the learner's names
    and nothing the tutor decided about anyone else's."""
    result = dict(manual)
    gone = set(gone)
    while True:
        spelling = next(
            (name for pair in result.items() for name in pair if name_key(name) in gone), None
        )
        if spelling is None:
            return result
        key = name_key(spelling)
        onward = [target for source, target in result.items() if name_key(source) == key]
        incoming = [
            source
            for source, target in result.items()
            if name_key(target) == key and name_key(source) != key
        ]
        for source in [source for source in result if name_key(source) == key]:
            del result[source]
        target = next((t for t in onward if name_key(t) != key), None)
        if target is None and incoming:  # g ended the chain: the first name into it ends it now
            target = incoming.pop(0)
            del result[target]
        for source in incoming:
            if name_key(source) != name_key(target):
                result[source] = target
            else:
                del result[source]


def _loose(key: str) -> str:
    """A key without punctuation, for finding look-alikes ("ash prim." ~ "ash primary")."""
    return " ".join(_PUNCTUATION.sub("", key).split())


def _char_counts(texts: list[str]) -> np.ndarray:
    """How often each character occurs in each text (rare characters share the last column,
    which can only make :func:`_bounds` larger, so it stays an upper bound)."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    distinct, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    rank = np.empty(len(distinct), dtype=np.intp)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(distinct))
    column = np.minimum(rank, _COLUMNS - 1)[inverse.ravel()]
    rows = np.repeat(np.arange(len(texts)), [len(text) for text in texts])
    flat = np.bincount(rows * _COLUMNS + column, minlength=len(texts) * _COLUMNS)
    small = np.uint8 if flat.max(initial=0) <= 255 else np.uint32  # less to copy in _bounds
    return flat.astype(small).reshape(len(texts), _COLUMNS)


def _bounds(counts: np.ndarray, lengths: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """difflib's quick_ratio for the pairs (a[k], b[k]): an upper bound of their ratio."""
    shared = np.minimum(counts[a], counts[b]).sum(axis=1, dtype=np.int64)
    return 2.0 * shared / np.maximum(lengths[a] + lengths[b], 1)


def suggestions(
    merged: Merged, limit: int = 20, *, dismissed: Collection[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Pairs of merged schools whose names look alike, for the tutor to confirm or dismiss.

    Names are compared without capitals, spacing or punctuation (every spelling of a merged
    school counts). A pair looks alike when difflib's ratio is at least 0.85, or when one
    name begins with the other and the shorter has at least 6 characters ("Ash Primary" and
    "Ash Primary School"). To stay fast for thousands of schools, each name is compared only
    with its 8 neighbours in alphabetical order and 8 in the order of the names read
    backwards, plus every name it begins (at most 50), so a rare look-alike can be missed.

    Most alike (highest ratio) first, then in the order the schools were first seen; a pair
    is ``(first seen, seen later)``. ``dismissed`` holds pairs of names the tutor said are
    different schools; they are not suggested again.
    """
    if limit <= 0:
        return []
    index = merged._index()
    skip = set()
    for x, y in dismissed:
        i, j = index.get(name_key(x)), index.get(name_key(y))
        if i is not None and j is not None:
            skip.add((min(i, j), max(i, j)))
    entries = list(dict.fromkeys((loose, i) for key, i in merged._keys() if (loose := _loose(key))))
    if len(entries) < 2:
        return []
    texts = [text for text, _ in entries]
    owner = [i for _, i in entries]

    # Candidate pairs of entries: near neighbours in both orders, and prefixes.
    forward = sorted(range(len(entries)), key=entries.__getitem__)
    backward = sorted(range(len(entries)), key=lambda k: (texts[k][::-1], owner[k]))
    firsts, seconds = [], []
    for order in (np.array(forward), np.array(backward)):
        for step in range(1, min(_WINDOW, len(order) - 1) + 1):
            firsts.append(order[:-step])
            seconds.append(order[step:])
    prefixes = set()
    for n, p in enumerate(forward):
        if len(texts[p]) >= _MIN_PREFIX:
            for q in forward[n + 1 : n + 1 + _MAX_PREFIX_SCAN]:
                if not texts[q].startswith(texts[p]):
                    break  # the names that begin with texts[p] come right after it
                prefixes.add((min(p, q), max(p, q)))
    if prefixes:
        firsts.append(np.array([p for p, _ in sorted(prefixes)]))
        seconds.append(np.array([q for _, q in sorted(prefixes)]))
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    a, b = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(a * len(entries) + b)
    a, b = pairs // len(entries), pairs % len(entries)
    counts = _char_counts(texts)
    lengths = np.array([len(text) for text in texts])
    bounds = _bounds(counts, lengths, a, b)
    keep = bounds >= _CUTOFF
    if prefixes:
        keep |= np.isin(pairs, [p * len(entries) + q for p, q in prefixes])
    candidates = []
    for p, q, bound in zip(a[keep].tolist(), b[keep].tolist(), bounds[keep].tolist(), strict=True):
        i, j = owner[p], owner[q]
        pair = (min(i, j), max(i, j))
        prefix = (p, q) in prefixes
        if i != j and pair not in skip and (prefix or bound >= _CUTOFF):
            candidates.append((-bound, pair, p, q, prefix))
    candidates.sort()

    # Exact ratios, best bound first, until no candidate left could enter the best ``limit``.
    best: dict[tuple[int, int], float] = {}
    ranked_scores: list[float] = []  # best.values(), ascending
    for negative_bound, pair, p, q, prefix in candidates:
        if len(ranked_scores) >= limit and -negative_bound < ranked_scores[-limit]:
            break
        score = difflib.SequenceMatcher(None, *sorted((texts[p], texts[q])), autojunk=False).ratio()
        if not prefix and score < _CUTOFF:
            continue
        old = best.get(pair)
        if old is not None:
            if score <= old:
                continue
            del ranked_scores[bisect.bisect_left(ranked_scores, old)]
        best[pair] = score
        bisect.insort(ranked_scores, score)
    ranked = sorted(best, key=lambda pair: (-best[pair], pair))[:limit]
    return [(merged.schools[i].name, merged.schools[j].name) for i, j in ranked]
