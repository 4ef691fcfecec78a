"""Many kernels saving into one store at once: the writers shared by the store-concurrency test
(``tests/reliability/test_store_concurrency.py``, which asserts that nothing is lost) and the
store benchmark (``bench/store_writes.py``, which times the saves and counts what is lost).

Every writer is a separate process (``spawn``: nothing inherited) with its own
:class:`~widgets_lib.store.Store`, as every Voila kernel has. All writers wait at a barrier, then
create their ``Store`` on the same database at the same moment (racing to create the tables), wait
again, then save as fast as they can, timing each save. Each writer saves ``saves`` answers:

* most go to a key of its own learner (``acceptance`` activity): each must keep its value;
* every 10th overwrites its own learner's ``upsert/latest`` key: the stored value must be the
  writer's last write and the key's history every write, in order;
* every 20th overwrites one key of one learner shared by all writers: its history holds every
  write, each writer's in the order made, and its value is the last revision.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from typing import Any

START_TIMEOUT_S = 300  # spawning and importing dozens of interpreters on a small machine
SAVE_TEXT = 'Réponse "{i}" of writer {w}: <b>capacity</b> ✓'


def own_learner(prefix: str, writer: int) -> str:
    return f"{prefix}-w{writer:03d}"


def shared_learner(prefix: str) -> str:
    return f"{prefix}-shared"


def plan(prefix: str, writer: int, i: int) -> tuple[str, str, str, dict]:
    """(learner, activity, key, value) of save ``i`` of ``writer``."""
    value = {"writer": writer, "i": i, "text": SAVE_TEXT.format(i=i, w=writer)}
    if i % 20 == 19:
        return shared_learner(prefix), "upsert", "everyone", value
    if i % 10 == 9:
        return own_learner(prefix, writer), "upsert", "latest", value
    return own_learner(prefix, writer), "acceptance", f"q{i:04d}", value


def writer_process(url: str, prefix: str, writer: int, saves: int, barrier, results) -> None:
    """One kernel: its own Store and learner, ``saves`` timed saves; reports to ``results``."""
    from widgets_lib.store import Store

    latencies: list[float] = []
    failures, errors, started, finished, setup = 0, [], 0.0, 0.0, 0.0
    store = None
    try:
        barrier.wait(timeout=START_TIMEOUT_S)  # everyone creates the schema at once
        setup = time.time()
        try:
            store = Store(url)
            store.ensure_learner(own_learner(prefix, writer), "code")
            store.ensure_learner(shared_learner(prefix), "code")
        except Exception as exc:  # noqa: BLE001 - reported
            failures, errors = saves, [f"setup: {exc!r} <- {exc.__cause__!r}"]
        setup = time.time() - setup
        barrier.wait(timeout=START_TIMEOUT_S)  # then everyone saves at once
        started = time.time()
        if store is not None:
            for i in range(saves):
                t0 = time.perf_counter()
                try:
                    store.save(*plan(prefix, writer, i))
                    latencies.append(time.perf_counter() - t0)
                except Exception as exc:  # noqa: BLE001 - counted, not raised
                    failures += 1
                    if len(errors) < 5:
                        errors.append(f"save {i}: {exc!r} <- {exc.__cause__!r}")
        finished = time.time()
    except Exception as exc:  # noqa: BLE001 - e.g. a broken barrier
        failures, errors = saves, errors + [f"writer: {exc!r}"]
    finally:
        if store is not None:
            store.dispose()
        results.put((writer, latencies, failures, errors, started, finished, setup))


def run_writers(url: str, prefix: str, writers: int, saves: int) -> dict[str, Any]:
    """Start the writers, wait for every report (or a dead writer, or the deadline), and sum up."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=writer_process, args=(url, prefix, w, saves, barrier, results), daemon=True
        )
        for w in range(writers)
    ]
    wall = time.monotonic()
    for proc in procs:
        proc.start()
    reports: dict[int, tuple] = {}
    deadline = time.monotonic() + START_TIMEOUT_S + 900
    try:
        while len(reports) < writers and time.monotonic() < deadline:
            try:
                writer, *report = results.get(timeout=5)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    break
                continue
            reports[writer] = tuple(report)
    finally:
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():  # our own child, by its own handle
                proc.terminate()
                proc.join(timeout=10)
    latencies = [t for (lat, *_rest) in reports.values() for t in lat]
    starts = [r[3] for r in reports.values() if r[3]]
    ends = [r[4] for r in reports.values() if r[4]]
    elapsed = max(ends) - min(starts) if starts and ends else None
    return {
        "writers_reported": len(reports),
        "exit_codes": sorted({p.exitcode for p in procs if p.exitcode not in (None, 0)}),
        "saves_ok": len(latencies),
        "failed": sum(r[1] for r in reports.values()) + saves * (writers - len(reports)),
        "errors": [e for r in reports.values() for e in r[2]][:10],
        "elapsed_s": round(elapsed, 3) if elapsed else None,
        "wall_with_startup_s": round(time.monotonic() - wall, 2),
        "slowest_setup_s": round(max((r[5] for r in reports.values()), default=0.0), 2),
        "writes_per_s": round(len(latencies) / elapsed, 1) if elapsed else None,
        "latencies_ms": [round(t * 1000, 3) for t in latencies],
    }


def check_saved(url: str, prefix: str, writers: int, saves: int) -> dict[str, Any]:
    """Read everything back: ``lost`` counts saves missing, ``problems`` names what is wrong
    (a key not holding its last write, a history out of order); both empty when all is well."""
    from widgets_lib.store import Store

    store = Store(url)
    lost, problems = 0, []
    try:
        shared = [r.value for r in store.history(shared_learner(prefix), "upsert", "everyone")]
        per_writer = [plan(prefix, w, i) for w in range(writers) for i in range(saves)]
        lost += max(sum(1 for p in per_writer if p[0] == shared_learner(prefix)) - len(shared), 0)
        for w in range(writers):
            learner, plans = own_learner(prefix, w), [plan(prefix, w, i) for i in range(saves)]
            expected = {
                key: value
                for who, act, key, value in plans
                if who == learner and act == "acceptance"
            }
            saved = store.load(learner, "acceptance")
            lost += sum(1 for key, value in expected.items() if saved.get(key) != value)
            latest = [value for who, act, _, value in plans if who == learner and act == "upsert"]
            history = [r.value for r in store.history(learner, "upsert", "latest")]
            lost += max(len(latest) - len(history), 0)
            if latest and store.load(learner, "upsert") != {"latest": latest[-1]}:
                problems.append(f"writer {w}: 'latest' is not its last write")
            if history != latest:
                problems.append(f"writer {w}: the history of 'latest' is out of order or altered")
            mine = [v for v in shared if v.get("writer") == w]
            if mine != [p[3] for p in plans if p[0] == shared_learner(prefix)]:
                problems.append(
                    f"writer {w}: its writes to the shared key are missing or out of order"
                )
        if shared and store.load(shared_learner(prefix), "upsert") != {"everyone": shared[-1]}:
            problems.append("the shared key does not hold its last revision")
    finally:
        store.dispose()
    return {"lost": lost, "problems": problems[:10]}
