"""Where each school sits on the drawing (issue 17): positions that are worked out once, saved with
the network and used by every picture of it (lesson 04's drawing, lesson 05, the personal report,
the tutor's view of a participant and the exported files).

Positions are in the live drawing's own units (vis-network's canvas pixels at zoom 1: a school is
drawn :data:`NODE` units across each way from its centre, its name :data:`FONT` units high below
it); the static pictures scale them to fit. Pure Python and NumPy; no widgets.

* :func:`placed` gives every school without a position one and never moves a school that has one.
  A network with no positions at all gets a first layout (a seeded Fruchterman–Reingold, so the
  same network always gets the same picture); a school added later goes near the schools it is
  linked to, an unlinked one in a row below the drawing. Each new school is put on the nearest
  spot where its name and mark overlap no other school's (label boxes estimated from the length
  of the name, as :mod:`.html.network_svg` does), so the names of a drawable network never
  overlap unless the learner dragged them on top of each other.
* :func:`moved` is what a drag does: the school's new position, checked (finite numbers within
  :data:`~widgets_lib.network_io.MAX_COORDINATE`), or :class:`~widgets_lib.network.EditError`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from .lazy import lazy_module
from .network import EditError, Network, School
from .network_io import MAX_COORDINATE, MAX_DRAWN

np = lazy_module("numpy")  # only where a first layout is computed

NODE = 16.0  # the drawing's node size: its mark reaches this far from the centre
FONT = 15.0  # the drawing's label font size; the label sits under the mark
CHAR_WIDTH = 0.6  # a character's width as a share of the font size (a generous average)
LABEL_TOP = 4.0  # from the mark's bottom edge to the label's top
LABEL_HEIGHT = FONT * 1.3
PAD = 8.0  # the least gap kept between two schools' boxes
# A first layout gives each school this many times the area of its box: a small network stays
# compact (it fits the drawing with names at full size); a big one gets more, so its names find free
# spots near where the layout put them (tens of checks each, not thousands).
ROOM, ROOM_BIG = 2.5, 4.0
MAX_OVERLAP_CHECKED = MAX_DRAWN  # bigger networks are never drawn: no check of their names
_SEED = 7
_ITERATIONS_SMALL, _ITERATIONS_LARGE, _SMALL = 150, 50, 400
_GRAVITY = 1.0  # keeps unlinked schools from drifting off and squeezing the rest into a corner
_STEP = 12.0  # the finest step of the search for a free spot
# A free spot is searched for on a grid of half a box (so a crowded middle costs tens of checks, not
# thousands), up to this many half-boxes away; beyond that, the school goes below everything.
_REACH = 40
# Above this many schools the spring layout's crowded middle (five times as dense as its edge at
# 1,000 schools) is evened out before the names are placed (:func:`_evened`).
_EVENED = 30
# The buckets of the index of placed boxes (a box is looked up in the cells it covers).
_CELL_W, _CELL_H = 160.0, 64.0

Box = tuple[float, float, float, float]  # left, top, right, bottom


def label_width(name: str) -> float:
    """A rough width of a school's label in the drawing (no font metrics without a browser)."""
    return len(" ".join(name.split())) * FONT * CHAR_WIDTH


def box(school: School, x: float | None = None, y: float | None = None) -> Box:
    """The rectangle a school's mark and label take up, centred on (x, y) (by default its own
    position): the mark from ``y - NODE`` and the label under it, as wide as the wider of the two."""
    x = school.x if x is None else x
    y = school.y if y is None else y
    if x is None or y is None:
        raise ValueError(f"{school.name!r} has no position")
    half = max(label_width(school.name) / 2, NODE)
    return (x - half, y - NODE, x + half, y + NODE + LABEL_TOP + LABEL_HEIGHT)


def overlaps(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether two boxes overlap (or come closer than ``gap``)."""
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def overlapping(network: Network) -> list[tuple[str, str]]:
    """Pairs of placed schools whose boxes overlap, sorted (a sweep along x: no check of every pair)."""
    boxes = sorted(
        ((box(s), s.name) for s in network.schools if _has_position(s)), key=lambda item: item[0][0]
    )
    pairs = []
    for i, (a, name) in enumerate(boxes):
        for b, other in boxes[i + 1 :]:
            if b[0] >= a[2]:
                break
            if overlaps(a, b):
                pairs.append(tuple(sorted((name, other))))
    return sorted(pairs)  # type: ignore[arg-type]


def _has_position(school: School) -> bool:
    return (
        isinstance(school.x, (int, float))
        and isinstance(school.y, (int, float))
        and math.isfinite(school.x)
        and math.isfinite(school.y)
    )


def check_coordinate(value: object, what: str) -> float:
    """``value`` as a position on the drawing, or :class:`EditError` naming ``what`` ("x of Oak")."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EditError(f"The position ({what}) must be a number.")
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_COORDINATE:
        raise EditError(
            f"The position ({what}) must be a number between {-MAX_COORDINATE:,.0f} and "
            f"{MAX_COORDINATE:,.0f}."
        )
    return round(number, 1)


def moved(network: Network, name: str, x: object, y: object) -> Network:
    """The network with the school called ``name`` at (x, y), its place in the list kept; or
    :class:`EditError` when there is no such school or a coordinate is not a sane number."""
    school = network.school(name) if isinstance(name, str) else None
    if school is None:
        shown = str(name)[:60]
        raise EditError(f"There is no school called “{shown}” in your network.")
    new_x = check_coordinate(x, f"across, for {school.name}")
    new_y = check_coordinate(y, f"down, for {school.name}")
    return replace(
        network,
        schools=tuple(
            replace(s, x=new_x, y=new_y) if s.name == name else s for s in network.schools
        ),
    )


def spring(count: int, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """Positions in [0, 1]²: networkx's Fruchterman–Reingold (k = √(1/n), linear cooling, seed 7)
    plus gravity, in NumPy (``spring_layout`` needs SciPy from 500 nodes on and takes about 2 s at
    1,000; this takes well under a second). ``pairs`` are the linked nodes' indices."""
    if count <= 2:
        return np.array([[0.5, 0.5]] if count == 1 else [[0.0, 0.5], [1.0, 0.5]])
    # float32: 3× faster, ample for a picture
    pos = np.random.RandomState(_SEED).rand(count, 2).astype(np.float32)
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    a = np.array([p[0] for p in pairs], dtype=np.intp)
    b = np.array([p[1] for p in pairs], dtype=np.intp)
    k2 = 1.0 / count
    k = math.sqrt(k2)
    iterations = _ITERATIONS_SMALL if count <= _SMALL else _ITERATIONS_LARGE
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):  # each step costs O(n²)
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        # the diagonal has dx = dy = 0, so no self-push
        push = k2 / np.maximum(dx * dx + dy * dy, 1e-4)
        fx = (dx * push).sum(axis=1)
        fy = (dy * push).sum(axis=1)
        ex, ey = x[a] - x[b], y[a] - y[b]
        pull = np.sqrt(ex * ex + ey * ey) / k
        fx += np.bincount(b, ex * pull, count) - np.bincount(a, ex * pull, count)
        fy += np.bincount(b, ey * pull, count) - np.bincount(a, ey * pull, count)
        fx -= _GRAVITY * (x - x.mean())
        fy -= _GRAVITY * (y - y.mean())
        length = np.sqrt(fx * fx + fy * fy)
        step = temperature / np.where(length < 0.01, 0.1, length)
        x += fx * step
        y += fy * step
        temperature -= cooling
    pos = np.column_stack((x, y))
    low, span = pos.min(axis=0), np.ptp(pos, axis=0)
    return (pos - low) / np.where(span > 0, span, 1.0) + np.where(span > 0, 0.0, 0.5)


def _evened(unit: np.ndarray) -> np.ndarray:
    """Positions in [0, 1]² spread out from the middle so they fill a disc evenly: each keeps its
    direction from the centre and its rank in distance (what was nearer the middle stays nearer),
    the k-th nearest of n going to radius √(k/n). Linked schools stay close; the names of a big
    network then find free spots near where the layout put them."""
    centre = unit.mean(axis=0)
    away = unit - centre
    distance = np.sqrt((away * away).sum(axis=1))
    rank = np.empty(len(unit))
    rank[np.argsort(distance, kind="stable")] = np.arange(len(unit))
    radius = 0.5 * np.sqrt((rank + 0.5) / len(unit))
    direction = away / np.where(distance > 0, distance, 1.0)[:, None]
    return 0.5 + direction * radius[:, None]


@lru_cache(maxsize=1)
def _offsets() -> tuple[tuple[int, int], ...]:
    """Steps, in half-boxes across and down, from where a school should go to the spots tried,
    nearest first."""
    near = [
        (i, j)
        for i in range(-_REACH, _REACH + 1)
        for j in range(-_REACH, _REACH + 1)
        if i * i + j * j <= _REACH * _REACH
    ]
    return tuple(sorted(near, key=lambda d: (d[0] * d[0] + d[1] * d[1], d[1], d[0])))


class _Boxes:
    """The boxes placed so far, bucketed in a grid so a free spot is found without a check of all."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Box]] = {}
        self.left = self.top = math.inf
        self.right = self.bottom = -math.inf

    @staticmethod
    def _cells(b: Box, gap: float) -> Iterable[tuple[int, int]]:
        for i in range(math.floor((b[0] - gap) / _CELL_W), math.floor((b[2] + gap) / _CELL_W) + 1):
            for j in range(
                math.floor((b[1] - gap) / _CELL_H), math.floor((b[3] + gap) / _CELL_H) + 1
            ):
                yield i, j

    def add(self, b: Box) -> None:
        # Very wide boxes (a 200-character name) go in many cells; that is fine at these sizes.
        for cell in self._cells(b, 0.0):
            self.cells.setdefault(cell, []).append(b)
        self.left, self.top = min(self.left, b[0]), min(self.top, b[1])
        self.right, self.bottom = max(self.right, b[2]), max(self.bottom, b[3])

    def free(self, b: Box) -> bool:
        return not any(
            overlaps(b, other, PAD)
            for cell in self._cells(b, PAD)
            for other in self.cells.get(cell, ())
        )


def _spot(school: School, x: float, y: float, boxes: _Boxes, checked: bool) -> tuple[float, float]:
    """The free spot nearest (x, y) for ``school`` (or (x, y) itself when labels are not checked)."""
    if checked:
        left, top, right, bottom = box(school, x, y)
        across, down = max((right - left) / 2, _STEP), max((bottom - top) / 2, _STEP)
        for i, j in _offsets():
            dx, dy = i * across, j * down
            if boxes.free((left + dx, top + dy, right + dx, bottom + dy)):
                return x + dx, y + dy
        # Nothing free nearby (a crowd of dragged schools): just below everything.
        y = boxes.bottom + PAD + NODE
    return x, y


def _first_layout(network: Network, checked: bool) -> dict[str, tuple[float, float]]:
    """A seeded spring layout scaled to give every school room, then each put on a free spot,
    the best-linked first (so hubs keep the middle)."""
    schools = network.schools
    count = len(schools)
    index = {s.name: i for i, s in enumerate(schools)}
    pairs = sorted(
        {
            (
                min(index[link.source], index[link.target]),
                max(index[link.source], index[link.target]),
            )
            for link in network.links
            if link.source in index and link.target in index and link.source != link.target
        }
    )
    if checked:
        unit = spring(count, pairs)
        if count > _EVENED:
            unit = _evened(unit)
        spots = [(float(u[0]), float(u[1])) for u in unit.tolist()]
    else:  # never drawn: a plain grid, no O(n²) layout
        side = math.ceil(math.sqrt(count))
        spots = [
            ((i % side) / max(side - 1, 1), (i // side) / max(side - 1, 1)) for i in range(count)
        ]
    widths = [max(label_width(s.name), 2 * NODE) + PAD for s in schools]
    height = 2 * NODE + LABEL_TOP + LABEL_HEIGHT + PAD
    area = (ROOM if count <= _EVENED else ROOM_BIG) * height * sum(widths)
    span_x = math.sqrt(area * 1.5)  # a landscape picture, as the drawing is
    span_y = area / span_x
    degree = [0] * count
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    boxes = _Boxes()
    where: dict[str, tuple[float, float]] = {}
    for i in sorted(range(count), key=lambda i: (-degree[i], i)):
        school = schools[i]
        x, y = _spot(
            school, (spots[i][0] - 0.5) * span_x, (spots[i][1] - 0.5) * span_y, boxes, checked
        )
        boxes.add(box(school, x, y))
        where[school.name] = (x, y)
    return where


def placed(network: Network) -> Network:
    """The network with every school given a position, every existing position kept.

    With no school placed, a first layout; otherwise each new school goes near the mean of its
    placed neighbours (breadth first, so a chain of new schools grows out from the placed ones),
    and a new school with no placed neighbour in a row under the drawing. Names do not overlap
    (up to :data:`MAX_OVERLAP_CHECKED` schools, the most a drawing shows). Returns ``network``
    itself when every school already has a position.
    """
    schools = network.schools
    todo = [s for s in schools if not _has_position(s)]
    if not todo:
        return network
    checked = len(schools) <= MAX_OVERLAP_CHECKED
    if len(todo) == len(schools):
        where = _first_layout(network, checked)
    else:
        where = _grown(network, checked)
    return replace(
        network,
        schools=tuple(
            s
            if _has_position(s)
            else replace(s, x=round(where[s.name][0], 1), y=round(where[s.name][1], 1))
            for s in schools
        ),
    )


def _grown(network: Network, checked: bool) -> dict[str, tuple[float, float]]:
    """Positions for the unplaced schools of a network in which some are placed."""
    where = {s.name: (float(s.x), float(s.y)) for s in network.schools if _has_position(s)}  # type: ignore[arg-type]
    neighbours: dict[str, list[str]] = {s.name: [] for s in network.schools}
    for link in network.links:
        if link.source in neighbours and link.target in neighbours and link.source != link.target:
            neighbours[link.source].append(link.target)
            neighbours[link.target].append(link.source)
    boxes = _Boxes()
    for s in network.schools:
        if s.name in where:
            boxes.add(box(s, *where[s.name]))
    unplaced = [s for s in network.schools if s.name not in where]
    by_name = {s.name: s for s in unplaced}
    queue = deque(s.name for s in unplaced if any(n in where for n in neighbours[s.name]))
    queued = set(queue)
    row_y = boxes.bottom + PAD + NODE + PAD
    cursor = boxes.left
    rest = iter(unplaced)
    while len(where) < len(network.schools):
        if queue:
            name = queue.popleft()
            near = [where[n] for n in neighbours[name] if n in where]
            x = sum(p[0] for p in near) / len(near)
            y = sum(p[1] for p in near) / len(near)
        else:  # the first of a group linked to no placed school: a row under the drawing
            name = next(s.name for s in rest if s.name not in where)
            half = max(label_width(name) / 2, NODE)
            if cursor + 2 * half > boxes.right and cursor > boxes.left:
                cursor = boxes.left
                row_y = boxes.bottom + PAD + NODE + PAD
            x, y = cursor + half, row_y
            cursor += 2 * half + PAD
        school = by_name[name]
        x, y = _spot(school, x, y, boxes, checked)
        boxes.add(box(school, x, y))
        where[name] = (x, y)
        for other in neighbours[name]:
            if other not in where and other not in queued:
                queue.append(other)
                queued.add(other)
    return where
