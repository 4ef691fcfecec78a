"""Each lesson kernel loads only what its lesson uses (issue 18, lazy imports).

Every lesson (and the tutor's dashboard) is run top to bottom in a fresh kernel, as a returning
learner's page runs it (their code in ``QUERY_STRING``, a SQLite store of the test's own), and
the kernel then lists its loaded modules. The heavy libraries (numpy, pandas, networkx, pyvis, a
plotting library) may appear only in the kernels whose lessons draw or measure a network: they
are hundreds of milliseconds and tens of megabytes each, paid by every other kernel for nothing
when imported eagerly. Also checked: the forking template (``widgets_lib/server/forking.py``)
imports none of them, since each forked kernel would carry them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from widgets_lib import identity, lessons, paths
from widgets_lib.store import Store

HEAVY = ("numpy", "pandas", "networkx", "pyvis", "matplotlib", "scipy", "plotly")
# The notebooks that show, measure or export a network, and what they may load.
NETWORK_NOTEBOOKS = {
    "04_draw_your_network.ipynb",
    "05_diagnose_your_network.ipynb",
    "08_next_steps.ipynb",  # the personal report draws the learner's network
    "tutor/dashboard.ipynb",  # the cohort's merged network
}
LIST_MODULES = (
    f"import sys, json\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
)


def notebooks() -> list[str]:
    names = [info.file for info in lessons.available()]
    return [*names, "tutor/dashboard.ipynb"]


def loaded_heavy(notebook: str, env: dict[str, str]) -> list[str]:
    path = paths.course_dir() / notebook
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(LIST_MODULES))
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(
            nb,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    out = nb.cells[-1].outputs
    text = "".join(o.get("text", "") for o in out if o.get("name") == "stdout")
    return json.loads(text.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def learner_env(tmp_path_factory) -> dict[str, str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('modules') / 'course.db'}"
    store = Store(url)
    code = identity.new_code()
    store.ensure_learner(identity.code_key(code), "code")
    return {"COURSE_DB_URL": url, "QUERY_STRING": f"learner={code}"}


@pytest.mark.parametrize("notebook", notebooks())
def test_kernel_loads_heavy_modules_only_where_used(notebook, learner_env):
    heavy = loaded_heavy(notebook, learner_env)
    if notebook in NETWORK_NOTEBOOKS:
        assert "pandas" not in heavy, f"{notebook} loads pandas, which the course never uses"
    else:
        assert heavy == [], f"{notebook}'s kernel loaded {heavy}, which its lesson does not use"


def test_forking_template_imports_no_heavy_module():
    code = (
        "import sys, json\n"
        "from widgets_lib.server.forking import _preload\n"
        "_preload()\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
