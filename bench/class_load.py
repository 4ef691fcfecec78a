"""Benchmark: a class on one machine (issue 18): kernels forked from a warm template beside kernels
launched as before and plain Voila, with simulated learners doing what a page does.

Run from the repository root::

    .venv/bin/python bench/class_load.py [--learners 30] [--spread 10] [--work 60]
        [--configs forked,launched,plain] [--starts 10] [--browsers 2]

Three servers, one after the other, each with a throw-away SQLite database:

* **forked**: the course as ``make serve`` runs it (kernels forked from the template,
  ``widgets_lib/server/forking.py``), with ``COURSE_POOLS`` giving lesson 03 one pre-heated kernel
  per learner (``--pool``, default ``--learners``), as a tutor starts it before a class;
* **launched**: the same with ``COURSE_FORK_KERNELS=0`` (each kernel a new Python process, as
  before this issue);
* **plain**: plain Voila (``--plain``: no pre-heating).

For each it measures:

1. **ready**: seconds from starting the server to its log's "all N pre-heated kernels are warm";
2. **visits**: ``--learners`` simulated learners (returning learners with codes of their own) open
   lesson 03 spread evenly over ``--spread`` seconds. Each does over HTTP and the kernel's websocket
   what the page does: requests the page (timed: the page's last byte), opens the kernel channel
   with the page's cookie, asks for the widgets' states as the widget manager does, then for
   ``--work`` seconds changes one of the capacity statements' radio buttons every ``--save-every``
   seconds (each change saves). A **round trip** is the time from sending the change to the
   kernel's "idle" for it (the change handled and saved). ``--browsers`` real Chromium visitors
   open the lesson in the middle of the wave, timed to the first usable control;
3. **memory**: while every learner's kernel is open, PSS (shared pages divided among the processes
   that share them) summed over the kernels, and over the server with all its processes;
4. **kernel start**: outside any server, ``--starts`` kernels started one after another through
   jupyter_client (request to the kernel's reply to ``kernel_info`` and its first iopub message,
   asked every 20 ms: :func:`ready`), forked and launched.

Prints one table, with ratios, and writes ``bench/results/class_load-<timestamp>.json`` (``--name``
changes the first part).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from first_visits import (  # noqa: E402
    LESSON,
    RESULTS_DIR,
    Server,
    StartError,
    fmt,
    is_kernel,
    percentile,
    render_table,
    stop_all_servers,
)
from saved import machine, write  # noqa: E402

from widgets_lib import identity, lessons  # noqa: E402
from widgets_lib.store import Store  # noqa: E402

CONFIGS = ("forked", "launched", "plain")
WIDGET_PROTOCOL = "2.1.0"
CONTROL_PROTOCOL = "1.0.0"
CONFIG_DATA = re.compile(
    rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S
)


# -- one simulated learner ----------------------------------------------------------------------
# The page's kernel websocket protocol: Voila's page (@jupyterlab/services) asks for Jupyter Server's
# "v1" protocol, in which the server passes each message's parts through without reading them; the
# default protocol (JSON text) makes the server decode and re-encode every message.
PROTOCOL = "v1.kernel.websocket.jupyter.org"


def _message(msg_type: str, content: dict, version: str | None = None) -> tuple[str, bytes]:
    msg_id = uuid.uuid4().hex
    header = {
        "msg_id": msg_id,
        "msg_type": msg_type,
        "username": "bench",
        "session": uuid.uuid4().hex,
        "date": "",
        "version": "5.3",
    }
    metadata = {"version": version} if version else {}
    parts = [json.dumps(part).encode() for part in (header, {}, metadata, content)]
    return msg_id, serialize_msg_to_ws_v1(parts, "shell")


def _read_frame(frame: bytes) -> tuple[str | None, str | None, bytes]:
    """(message type, parent message id, content as sent) of a v1 frame; the content is decoded
    only where it is needed."""
    _channel, parts = deserialize_msg_from_ws_v1(frame)
    header, parent = json.loads(parts[0]), json.loads(parts[1])
    return header.get("msg_type"), parent.get("msg_id"), parts[3]


class Channel:
    """A kernel's websocket as the page's widget manager uses it: frames routed by parent id."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.waiting: dict[str, asyncio.Future] = {}
        self.states: asyncio.Future = asyncio.get_running_loop().create_future()
        self.states_id: str | None = None
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.socket:
                kind, parent, raw = _read_frame(frame)
                if parent == self.states_id and kind == "comm_msg":
                    data = json.loads(raw).get("data", {})
                    if data.get("method") == "update_states" and not self.states.done():
                        self.states.set_result(data["states"])
                if kind == "status" and json.loads(raw).get("execution_state") == "idle":
                    future = self.waiting.pop(parent, None)
                    if future is not None and not future.done():
                        future.set_result(time.perf_counter())
        except websockets.exceptions.WebSocketException:
            pass

    async def send(self, msg_type: str, content: dict, version: str | None = None) -> str:
        msg_id, text = _message(msg_type, content, version)
        await self.socket.send(text)
        return msg_id

    async def widget_states(self, timeout: float) -> dict:
        comm_id = uuid.uuid4().hex
        await self.send(
            "comm_open",
            {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
            CONTROL_PROTOCOL,
        )
        self.states_id, text = _message(
            "comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}, CONTROL_PROTOCOL
        )
        await self.socket.send(text)
        return await asyncio.wait_for(self.states, timeout)

    async def change(self, comm_id: str, state: dict, timeout: float) -> float:
        """Send a widget change; seconds until the kernel has handled it."""
        msg_id, text = _message(
            "comm_msg",
            {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}},
            WIDGET_PROTOCOL,
        )
        done = asyncio.get_running_loop().create_future()
        self.waiting[msg_id] = done
        t0 = time.perf_counter()
        await self.socket.send(text)
        return await asyncio.wait_for(done, timeout) - t0


def capacity_radio(states: dict) -> str | None:
    """The comm id of an enabled radio group of the capacity self-assessment."""
    for comm_id, model in states.items():
        state = model.get("state", {})
        if (
            state.get("_model_name") == "RadioButtonsModel"
            and not state.get("disabled")
            and len(state.get("_options_labels", [])) >= 3
        ):
            return comm_id
    return None


async def learner(
    base: str,
    code: str,
    delay: float,
    work: float,
    every: float,
    timeout: float,
    arrived: Arrivals | None = None,
) -> dict:
    await asyncio.sleep(delay)
    rec: dict = {"page_s": None, "states_s": None, "trips_s": [], "trips_at": [], "error": None}
    try:
        return await _learn(base, code, work, every, timeout, rec, arrived)
    finally:
        if arrived is not None:
            arrived.one(code)  # counted already if they had their controls


async def _learn(
    base: str, code: str, work: float, every: float, timeout: float, rec: dict, arrived
) -> dict:
    url = f"{base}/voila/render/{LESSON}?learner={code}"
    async with httpx.AsyncClient(trust_env=False, timeout=httpx.Timeout(timeout)) as client:
        try:
            t0 = time.perf_counter()
            response = await client.get(url)
            rec["page_s"] = round(time.perf_counter() - t0, 4)
            found = CONFIG_DATA.search(response.content)
            if response.status_code != 200 or not found:
                rec["error"] = f"page: HTTP {response.status_code}"
                return rec
            kernel_id = json.loads(found.group(1))["kernelId"]
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            ws_url = (
                base.replace("http://", "ws://", 1)
                + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
            )
            async with websockets.connect(
                ws_url,
                additional_headers={"Cookie": cookie},
                subprotocols=[PROTOCOL],  # as the page does
                max_size=2**26,
                open_timeout=timeout,
                ping_interval=None,  # as a browser's page: it sends no keep-alive pings
            ) as socket:
                channel = Channel(socket)
                t1 = time.perf_counter()
                deadline = t1 + timeout
                radio = None
                while radio is None and time.perf_counter() < deadline:
                    # the controls are enabled once the kernel has loaded the learner's work
                    channel.states = asyncio.get_running_loop().create_future()
                    radio = capacity_radio(await channel.widget_states(timeout))
                    if radio is None:
                        await asyncio.sleep(0.5)
                rec["states_s"] = round(time.perf_counter() - t1, 4)
                rec["ready_at"] = time.perf_counter()  # this learner can work from now
                if arrived is not None:
                    arrived.one(code)
                if radio is None:
                    rec["error"] = "no enabled capacity control"
                    return rec
                # People who work side by side do not save in step: each learner's first save
                # comes at a moment of their own within the interval (seeded by their code).
                # Without it the learners whose pages came last in the wave saved together,
                # 60-90 saves in 2 s every 10 s, and the rest of each interval stood idle.
                await asyncio.sleep(random.Random(code).uniform(0, every))
                end = time.perf_counter() + work
                index = 0
                while time.perf_counter() < end:
                    index = 1 - index
                    rec["trips_at"].append(time.perf_counter())
                    rec["trips_s"].append(
                        round(await channel.change(radio, {"index": index}, timeout), 4)
                    )
                    await asyncio.sleep(every)
                rec["hold"] = True
                channel.reader.cancel()
        except Exception as exc:  # noqa: BLE001 - every failure is recorded
            rec["error"] = f"{type(exc).__name__}: {exc}"[:300]
    return rec


class Arrivals:
    """The learners who have their controls (or failed); ``all`` is set once every one has."""

    def __init__(self, count: int) -> None:
        self.count, self.done = count, set()
        self.all = asyncio.Event()
        if count <= 0:
            self.all.set()

    def one(self, code: str) -> None:
        """``code`` has arrived (a second call for the same learner changes nothing)."""
        self.done.add(code)
        if len(self.done) >= self.count:
            self.all.set()


def processor_seconds(server: Server) -> dict[int, tuple[float, bool]]:
    """Per process of the server's tree: (processor seconds so far, whether it is a kernel)."""
    return {pid: (s, is_kernel(server.known[pid])) for pid, s in server._cpu_seconds().items()}


def processor_used(before: dict, after: dict) -> dict[str, float]:
    """Processor seconds the server and its kernels used between two :func:`processor_seconds`."""
    used = {"server": 0.0, "kernels": 0.0}
    for pid, (seconds, kernel) in after.items():
        used["kernels" if kernel else "server"] += seconds - before.get(pid, (0.0, kernel))[0]
    return {k: round(v, 2) for k, v in used.items()}


# -- real browsers beside them --------------------------------------------------------------------
def browser_visits(base: str, codes: list[str], delay: float, timeout: float) -> list[dict]:
    from browser_widgets import READY_PROBE, activity_count
    from playwright.sync_api import sync_playwright

    from tests.helpers import CHROMIUM, CHROMIUM_ARGS

    time.sleep(delay)
    info = lessons.by_id("03")
    probe = READY_PROBE % {"mode": json.dumps("returning"), "expected": activity_count(info)}
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for code in codes:
            context = browser.new_context(bypass_csp=True)
            context.add_init_script(probe)
            page = context.new_page()
            try:
                page.goto(f"{base}/voila/render/{LESSON}?learner={code}", timeout=timeout * 1000)
                page.wait_for_function(
                    "() => window.__bench && window.__bench.usable !== null",
                    timeout=timeout * 1000,
                    polling=50,
                )
                out.append({"usable_s": round(page.evaluate("window.__bench.usable") / 1000, 3)})
            except Exception as exc:  # noqa: BLE001
                out.append({"usable_s": None, "error": f"{type(exc).__name__}: {exc}"[:300]})
            context.close()
        browser.close()
    return out


# -- one configuration ---------------------------------------------------------------------------
def kernel_memory(server: Server) -> dict:
    kernels = pss = 0
    for proc in server.tree():
        try:
            if is_kernel(proc):
                kernels += 1
                pss += proc.memory_full_info().pss
        except Exception:  # noqa: BLE001 - a process that has just gone
            pass
    total = server.memory()
    return {
        "kernels": kernels,
        "kernel_pss_mb": round(pss / 2**20, 1),
        "per_kernel_pss_mb": round(pss / 2**20 / kernels, 1) if kernels else None,
        "total_pss_mb": total["pss_mb"],
        "total_rss_mb": total["rss_mb"],
    }


def run_config(config: str, args, tmp: Path) -> dict:
    env = {"COURSE_FORK_KERNELS": "0" if config == "launched" else "1"}
    server = Server("plain" if config == "plain" else "course", args.pool, tmp / config, env=env)
    (tmp / config).mkdir()
    t0 = time.monotonic()
    server.start()
    try:
        ready = server.wait_ready(args.start_timeout, [info.file for info in lessons.available()])
        ready["start_to_warm_s"] = ready.get("warm_s")
        store = Store(f"sqlite:///{tmp / config / 'bench.db'}")
        codes = []
        for _ in range(args.learners + args.browsers):
            code = identity.new_code()
            store.ensure_learner(identity.code_key(code), "code")
            codes.append(code)
        learners, watchers = codes[: args.learners], codes[args.learners :]
        print(f"{config}: ready after {time.monotonic() - t0:.1f} s; {args.learners} learners go")

        async def wave() -> tuple[list[dict], dict]:
            step = args.spread / max(args.learners, 1)
            arrived = Arrivals(len(learners))
            before, t0, mine = processor_seconds(server), time.perf_counter(), os.times()
            tasks = [
                asyncio.create_task(
                    learner(
                        server.base_url,
                        code,
                        i * step,
                        args.work,
                        args.save_every,
                        args.timeout,
                        arrived,
                    )
                )
                for i, code in enumerate(learners)
            ]

            async def arrival_cost() -> dict:
                # The processor time the class's arrival took: from the first request until every
                # learner had their controls (their saves have begun by then too).
                await arrived.all.wait()
                used = processor_used(before, processor_seconds(server))
                now = os.times()  # this load generator's own share of the same processors
                generator = now.user + now.system - mine.user - mine.system
                return {
                    **used,
                    "generator": round(generator, 2),
                    "seconds": round(time.perf_counter() - t0, 2),
                }

            cost = asyncio.create_task(arrival_cost())
            browsers = asyncio.create_task(
                asyncio.to_thread(
                    browser_visits, server.base_url, watchers, args.spread / 2, args.timeout
                )
            )
            # memory while every learner's kernel is open: near the end of the working time
            await asyncio.sleep(args.spread + max(args.work - 5, 5))
            memory = await asyncio.to_thread(kernel_memory, server)
            results = await asyncio.gather(*tasks)
            return results, {"memory": memory, "browsers": await browsers, "arrival": await cost}

        results, more = asyncio.run(wave())
    finally:
        server.stop() if hasattr(server, "stop") else None
        stop_all_servers()
    kept = None
    if (
        server.log_path is not None
        and server.log_path.exists()
        and any(r["error"] for r in results)
    ):
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)  # a failed learner's cause, kept
        kept = RESULTS_DIR / f"{args.name}-{config}-{dt.datetime.now():%Y%m%d-%H%M%S}-server.log"
        shutil.copy(server.log_path, kept)
        print(f"{config}: learners failed; the server's log is kept in {kept}", flush=True)
    pages = [r["page_s"] for r in results if r["page_s"] is not None and not r["error"]]
    if not pages:
        print(f"{config}: every learner failed: {[r['error'] for r in results][:5]}", flush=True)
    trips = [t for r in results for t in r["trips_s"]]
    # "learners working": the saves begun once every learner had their page and controls
    everyone = max((r["ready_at"] for r in results if "ready_at" in r), default=None)
    timed = [  # (seconds after every learner had their page, the round trip)
        (round(at - everyone, 3), t)
        for r in results
        for at, t in zip(r["trips_at"], r["trips_s"], strict=False)
        if everyone is not None and at >= everyone
    ]
    working = [t for _, t in timed]
    failed = [r["error"] for r in results if r["error"]]
    usable = [b["usable_s"] for b in more["browsers"] if b.get("usable_s") is not None]
    return {
        "config": config,
        "ready": ready,
        "learners": args.learners,
        "page_p50_s": percentile(pages, 0.5) if pages else None,
        "page_p95_s": percentile(pages, 0.95) if pages else None,
        "trips": len(trips),
        "trip_p50_ms": None if not trips else round(percentile(trips, 0.5) * 1000, 1),
        "trip_p95_ms": None if not trips else round(percentile(trips, 0.95) * 1000, 1),
        "working_trips": len(working),
        "working_trips_timed": sorted(timed),
        "working_trip_p50_ms": None if not working else round(percentile(working, 0.5) * 1000, 1),
        "working_trip_p95_ms": None if not working else round(percentile(working, 0.95) * 1000, 1),
        "failed": len(failed),
        "failures": failed[:10],
        "browsers_usable_s": usable,
        "browser_failures": [b.get("error") for b in more["browsers"] if b.get("error")],
        "memory": more["memory"],
        "arrival_cpu": more["arrival"],
        "arrival_cpu_per_learner_s": round(
            sum(more["arrival"][k] for k in ("server", "kernels")) / max(len(learners), 1), 3
        ),
        "server_errors": server_errors(server.log_path),
        "server_log": None if kept is None else str(kept),
        "unannounced": unannounced(server.log_path),
    }


def unannounced(path: Path | None) -> int:
    """Kernel replies the server found by its re-check that ZeroMQ had not announced
    (widgets_lib/server/wakeups.py logs each)."""
    if path is None or not path.exists():
        return 0
    return path.read_text(encoding="utf-8", errors="replace").count("ZeroMQ did not announce")


def server_errors(path: Path | None, most: int = 15) -> list[str]:
    """The distinct error lines of the server's log (numbers and ids made alike), so a failed
    learner's cause can be read after the run's temporary folder has gone."""
    if path is None or not path.exists():
        return []
    seen: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if " ERROR " in line or "Error:" in line or "Exception" in line:
            key = re.sub(
                r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|kernel-[0-9a-f]{8}|\d+", "#", line
            )
            seen[key[:300]] = seen.get(key[:300], 0) + 1
    return [f"{count}× {line}" for line, count in list(seen.items())[:most]]


# -- kernel start outside any server --------------------------------------------------------------
async def ready(client, deadline: float) -> None:
    """Until the kernel answers ``kernel_info`` on its shell channel and its iopub channel delivers
    (the kernel can run code and its output reaches the client), asking every 20 ms.

    jupyter_client's ``wait_for_ready`` checks the same two things but waits up to 1 s for the
    reply and then 0.2 s for iopub, asking again only after that, which adds up to 0.2 s of its
    own to a kernel that is ready in a fifth of a second (issue 18)."""
    from queue import Empty

    replied = False
    while time.perf_counter() < deadline:
        if not replied:
            client.kernel_info()
            try:
                reply = await client.get_shell_msg(timeout=0.02)
                replied = reply["msg_type"] == "kernel_info_reply"
            except Empty:
                continue
        try:
            await client.get_iopub_msg(timeout=0.02)
            return
        except Empty:
            client.kernel_info()  # its status messages arrive on iopub once it is subscribed
    raise TimeoutError("the kernel did not answer")


def kernel_starts(forked: bool, count: int) -> list[float]:
    from jupyter_client import AsyncKernelManager
    from jupyter_client.provisioning.factory import KernelProvisionerFactory
    from traitlets.config import Config

    from widgets_lib.server import forking

    os.environ[forking.FORK_ENV] = "1" if forked else "0"
    factory = KernelProvisionerFactory.instance()
    factory.default_provisioner_name = forking.PROVISIONER_NAME

    async def starts() -> list[float]:
        if forked:
            forking.Template.shared().start()  # the server starts it once, at its start
        out = []
        for _ in range(count):
            km = AsyncKernelManager(config=Config())
            t0 = time.perf_counter()
            await km.start_kernel()
            client = km.client()
            client.start_channels()
            await ready(client, t0 + 120)
            out.append(round(time.perf_counter() - t0, 4))
            client.stop_channels()
            await km.shutdown_kernel(now=True)
        return out

    return asyncio.run(starts())


def table(rows: list[dict], starts: dict[str, list[float]], learners: int) -> str:
    by = {r["config"]: r for r in rows}

    def ratio(key: str, a: str = "launched", b: str = "forked", path=None) -> str:
        get = path or (lambda r: r.get(key))
        if a in by and b in by and get(by[a]) and get(by[b]):
            return f"{get(by[a]) / get(by[b]):.1f}×"
        return "—"

    mem = lambda r: r["memory"]["per_kernel_pss_mb"]  # noqa: E731
    total = lambda r: r["memory"]["total_pss_mb"]  # noqa: E731
    head = ["figure", *[r["config"] for r in rows], "launched ÷ forked", "plain ÷ forked"]
    body = [
        [
            "memory per open lesson kernel, PSS MB",
            *[fmt(mem(r), 1) for r in rows],
            ratio("", path=mem),
            ratio("", a="plain", path=mem),
        ],
        [
            f"memory with {learners} learners' kernels open, PSS MB (all processes)",
            *[fmt(total(r), 0) for r in rows],
            ratio("", path=total),
            ratio("", a="plain", path=total),
        ],
        [
            f"server ready for a class of {learners} after start, s (warm)",
            *[fmt(r["ready"].get("start_to_warm_s")) for r in rows],
            ratio("", path=lambda r: r["ready"].get("start_to_warm_s")),
            "—",
        ],
        [
            f"{learners} learners opening lesson 03 within the spread, page p95 s",
            *[fmt(r["page_p95_s"]) for r in rows],
            ratio("page_p95_s"),
            ratio("page_p95_s", a="plain"),
        ],
        [
            "widget round trip with a save, p95 ms",
            *[fmt(r["trip_p95_ms"], 1) for r in rows],
            ratio("trip_p95_ms"),
            ratio("trip_p95_ms", a="plain"),
        ],
        [
            "the same, saves begun once every learner had their page, p95 ms",
            *[fmt(r.get("working_trip_p95_ms"), 1) for r in rows],
            ratio("working_trip_p95_ms"),
            ratio("working_trip_p95_ms", a="plain"),
        ],
        [
            "processor time per arriving learner, s (server + kernels)",
            *[
                fmt(r.get("arrival_cpu_per_learner_s"), 3)
                + (
                    " ({server} + {kernels} in {seconds} s; load generator {generator})".format(
                        **r["arrival_cpu"]
                    )
                    if r.get("arrival_cpu")
                    else ""
                )
                for r in rows
            ],
            ratio("arrival_cpu_per_learner_s"),
            ratio("arrival_cpu_per_learner_s", a="plain"),
        ],
        ["learners failed", *[str(r["failed"]) for r in rows], "", ""],
        [
            "kernel replies ZeroMQ did not announce (found by the re-check)",
            *[str(r.get("unannounced", 0)) for r in rows],
            "",
            "",
        ],
        [
            "Chromium visitors beside them, first usable control s",
            *[", ".join(fmt(u) for u in r["browsers_usable_s"]) or "—" for r in rows],
            "",
            "",
        ],
    ]
    lines = render_table(head, body)
    if starts:
        med = {k: statistics.median(v) for k, v in starts.items() if v}
        lines.append("")
        lines.append(
            "kernel start (request to kernel ready), median of "
            + ", ".join(f"{k} {fmt(v, 3)} s over {len(starts[k])}" for k, v in med.items())
            + (
                f"; launched ÷ forked {med['launched'] / med['forked']:.1f}×"
                if {"launched", "forked"} <= set(med)
                else ""
            )
        )
    return "\n".join(lines)


def _on_sigterm(signum, frame):  # noqa: ARG001
    stop_all_servers()
    sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument(
        "--pool", type=int, default=None, help="lesson 03's pool (default learners)"
    )
    parser.add_argument("--spread", type=float, default=10.0)
    parser.add_argument("--work", type=float, default=60.0)
    parser.add_argument("--save-every", type=float, default=10.0)
    parser.add_argument("--browsers", type=int, default=2)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--start-timeout", type=float, default=900.0)
    parser.add_argument(
        "--name",
        default="class_load",
        help="results file bench/results/<name>-<timestamp>.json (make bench's 200-learner run "
        "is class_200)",
    )
    args = parser.parse_args(argv)
    args.pool = args.pool or args.learners
    configs = [c for c in args.configs.split(",") if c]
    if any(c not in CONFIGS for c in configs):
        parser.error(f"--configs: choose from {', '.join(CONFIGS)}")
    signal.signal(signal.SIGTERM, _on_sigterm)
    started, load = dt.datetime.now(), [round(x, 2) for x in os.getloadavg()]
    print(
        f"class load: {args.learners} learners over {args.spread:.0f} s, a change every "
        f"{args.save_every:.0f} s for {args.work:.0f} s; pool {args.pool}; configs {configs}; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    starts: dict[str, list[float]] = {}
    for forked in (True, False):
        name = "forked" if forked else "launched"
        if name in configs and args.starts:
            starts[name] = kernel_starts(forked, args.starts)
            print(f"kernel starts, {name}: {starts[name]}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="class-load-") as tmp:
        for config in configs:
            try:
                rows.append(run_config(config, args, Path(tmp)))
            except StartError as exc:
                print(f"{config}: {exc}\n{exc.log_tail}", flush=True)
            print(json.dumps(rows[-1] if rows else {}, indent=1)[:2000], flush=True)
    text = table(rows, starts, args.learners)
    print(text)
    doc = {"args": vars(args), "rows": rows, "kernel_starts": starts, "table": text}
    write(args.name, {**doc, "machine": machine(), "loadavg": load}, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
