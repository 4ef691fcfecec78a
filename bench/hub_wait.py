"""Benchmark: how long a JupyterHub participant waits for their server and their page (issue 18).

Run from the repository root::

    .venv/bin/python bench/hub_wait.py [--participants 1,10] [--timeout 300]

Starts a real PostgreSQL server (the course's database and the hub's), then JupyterHub with
``deploy/jupyterhub_config.py`` unchanged in its test mode (shared password, servers run as this
user: ``tests/hub/conftest.py``'s ``Hub``), with configurable-http-proxy from ``.cache/node``
(``make test-setup`` installs it). For each N in ``--participants``, N participants who have never
logged in log in at the same moment over HTTP, each as a browser would: the login form, the
hub's redirects, the spawn-pending page (asked again every 0.25 s), the single-user server's
OAuth round trip, then lesson 00 (where the hub sends them) and lesson 03, each page to its last
byte. Under the hub each participant's server launches its own kernels (a forking template there
would share nothing: ``COURSE_FORK_KERNELS`` in the README), so a page's kernel starts when the page
is asked for.

Per participant:

* **server**: the hub's own figure, its log's "User … took N seconds to start";
* **lesson 00**: from sending the login form to lesson 00's last byte (server start included:
  what a participant waits after pressing *Sign in*);
* **lesson 03**: from asking for lesson 03, once lesson 00 was there, to its last byte.

Then the memory (PSS) of the hub with every participant's server and kernels open, per
participant. Prints one table and writes ``bench/results/hub_wait-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from first_visits import fmt, page_problem, percentile, render_table  # noqa: E402
from saved import machine, write  # noqa: E402

from tests.conftest import _pg_bindir, _PostgresServer  # noqa: E402
from tests.hub.conftest import CHP, Hub  # noqa: E402

HOME = "voila/render/00_welcome.ipynb"
LESSON_03 = "voila/render/03_capacity_model.ipynb"
STARTED = re.compile(r"User (\S+) took ([0-9.]+) seconds to start")


def complete(response: requests.Response) -> str | None:
    """None for a whole lesson page, else what is wrong with it (for a refused page, where the
    hub's redirects led and what the page said)."""
    problem = page_problem(response.status_code, response.content)
    if problem and response.status_code != 200:
        hops = " -> ".join(f"{r.status_code} {r.url}" for r in response.history)
        words = " ".join(re.sub(r"<[^>]+>", " ", response.text).split())[:300]
        return f"{problem} at {response.url} (after {hops or 'no redirect'}): {words}"
    return problem


def participant(hub: Hub, name: str, go: threading.Event, timeout: float) -> dict:
    """One participant's login and first two pages, timed."""
    out: dict = {"name": name, "error": None}
    session = requests.Session()
    session.trust_env = False
    try:
        session.get(hub.url + "/hub/login", timeout=30).raise_for_status()
        form = {"username": name, "password": hub.password, "_xsrf": session.cookies["_xsrf"]}
        go.wait()
        t0 = time.perf_counter()
        response = session.post(hub.url + "/hub/login", data=form, timeout=timeout)
        home = f"{hub.url}/user/{name}/{HOME}"
        while "/spawn-pending/" in response.url or "/user/" not in response.url:
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"still waiting for the server after {timeout:.0f} s")
            time.sleep(0.25)  # the spawn-pending page asks again, as this does
            response = session.get(home, timeout=timeout)
        if not response.url.endswith(HOME):
            response = session.get(home, timeout=timeout)
        out["error"] = complete(response)
        out["home_s"] = round(time.perf_counter() - t0, 3)
        if out["error"] is None:
            t1 = time.perf_counter()
            out["error"] = complete(
                session.get(f"{hub.url}/user/{name}/{LESSON_03}", timeout=timeout)
            )
            out["lesson_03_s"] = round(time.perf_counter() - t1, 3)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def pss_mb(processes: list[psutil.Process]) -> float:
    total = 0
    for proc in processes:
        try:
            total += proc.memory_full_info().pss
        except psutil.Error:
            continue
    return round(total / 2**20, 1)


def one_run(postgres_url: str, n: int, folder: Path, timeout: float) -> dict:
    """A new hub (its own databases) and n participants logging in at once."""
    names = [f"course_{uuid.uuid4().hex[:10]}", f"hub_{uuid.uuid4().hex[:10]}"]
    admin = sa.create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    with admin.connect() as conn:
        for db in names:
            conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
    base = postgres_url.rsplit("/", 1)[0]
    hub = Hub(folder, f"{base}/{names[0]}", f"{base}/{names[1]}")
    try:
        t0 = time.perf_counter()
        hub.wait_ready()
        print(
            f"  hub ready in {time.perf_counter() - t0:.1f} s; {n} participants log in", flush=True
        )
        go = threading.Event()
        rows: list[dict] = [{} for _ in range(n)]

        def run(i: int) -> None:
            rows[i] = participant(hub, f"p{i + 1:03d}", go, timeout)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # every participant has the login form
        go.set()
        for thread in threads:
            thread.join()
        time.sleep(2.0)  # the pages' kernels settle before the memory is read
        servers = hub.servers()
        memory = pss_mb(hub.processes())
        started = {m[1]: float(m[2]) for m in STARTED.finditer(hub.log())}
        for row in rows:
            row["server_s"] = started.get(row["name"])
    finally:
        hub.stop()
        with admin.connect() as conn:
            for db in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.dispose()
    return {
        "participants": n,
        "rows": rows,
        "servers_running": len(servers),
        "total_pss_mb": memory,
        "per_participant_pss_mb": round(memory / max(1, len(servers)), 1),
    }


def summary(run: dict) -> dict:
    def stat(key: str) -> dict:
        values = [r[key] for r in run["rows"] if r.get(key) is not None]
        return {
            "p50": percentile(values, 0.5) if values else None,
            "p95": percentile(values, 0.95) if values else None,
            "max": max(values) if values else None,
        }

    return {key: stat(key) for key in ("server_s", "home_s", "lesson_03_s")}


def table(runs: list[dict]) -> str:
    body = []
    for run in runs:
        s = run["summary"]
        failed = sum(1 for r in run["rows"] if r.get("error"))
        body.append(
            [
                str(run["participants"]),
                *(
                    f"{fmt(s[k]['p50'])} / {fmt(s[k]['p95'])}"
                    for k in ("server_s", "home_s", "lesson_03_s")
                ),
                fmt(run["per_participant_pss_mb"], 0),
                str(failed),
            ]
        )
    head = [
        "participants",
        "server start p50/p95 s",
        "login to lesson 00 p50/p95 s",
        "lesson 03 p50/p95 s",
        "PSS MB each",
        "failed",
    ]
    return "\n".join(render_table(head, body))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", default="1,10")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.participants.split(",") if x.strip()]
    if not CHP.exists():
        parser.error(f"configurable-http-proxy is missing ({CHP}): run `make test-setup` first")
    bindir = _pg_bindir()
    if bindir is None:
        parser.error("PostgreSQL is not installed (Debian's postgresql package; make test-setup)")
    started = dt.datetime.now()
    load = [round(x, 2) for x in os.getloadavg()]
    print(f"hub wait: participants {counts}; load average {load}", flush=True)
    postgres = _PostgresServer(bindir)
    runs: list[dict] = []
    try:
        url = postgres.start()
        with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
            for n in counts:
                folder = Path(tmp) / f"n{n}"
                folder.mkdir()
                run = one_run(url, n, folder, args.timeout)
                run["summary"] = summary(run)
                run["loadavg_before"] = load
                failures = [r["error"] for r in run["rows"] if r.get("error")]
                print(f"  {n}: {run['summary']}; failed {len(failures)} {failures[:3]}", flush=True)
                runs.append(run)
                load = [round(x, 2) for x in os.getloadavg()]
    finally:
        postgres.stop()
    print()
    print(table(runs))
    write("hub_wait", {"machine": machine(), "runs": runs}, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
