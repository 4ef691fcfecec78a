# JupyterHub configuration for the course on one machine (see deploy/README.md).
#
#   COURSE_DB_URL=postgresql://course:PASSWORD@127.0.0.1/course \
#   jupyterhub -f deploy/jupyterhub_config.py
#
# Every participant gets a single-user server that shows only the course (Voila as a Jupyter
# Server extension, configured by jupyter_server_config.py next to this file) and lands on
# lesson 00. The course identifies them by their hub login (JUPYTERHUB_USER): no learner code.
# Members of the hub group COURSE_TUTOR_GROUP (default "tutors") are the course's tutors.
#
# Environment read here (the hub's own; nothing a participant can set):
#   COURSE_DB_URL       required: postgresql://… of the course's answers, given to every server
#   COURSE_SECRET       optional, the key of the course's hashes (at least 32 characters), given
#                       to every server; by default created once in the hub user's configuration
#                       folder (widgets_lib/secret.py). Every server must have the same one.
#   COURSE_TUTOR_GROUP  hub group whose members are tutors (default "tutors")
#   COURSE_TUTORS       optional, comma-separated hub user names added to that group at start-up
#                       (the admin page /hub/admin or the REST API can add more)
#   COURSE_HUB_DB_URL   optional, the hub's own state (users, groups, tokens), e.g. a second
#                       PostgreSQL database; default an SQLite file in the working directory
#   COURSE_HUB_TEST_PASSWORD  TESTS ONLY: a shared-password login and servers run as the hub's
#                       own user with no isolation. Never set it on a real server.

import os
import sys
from pathlib import Path

from widgets_lib.paths import template_root
from widgets_lib.secret import server_secret
from widgets_lib.server.serve import HOME_PAGE

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

DEPLOY = Path(__file__).resolve().parent
TUTOR_GROUP = os.environ.get("COURSE_TUTOR_GROUP", "tutors").strip() or "tutors"
DB_URL = os.environ.get("COURSE_DB_URL", "")
if not DB_URL.startswith(("postgresql://", "postgresql+psycopg://")):
    sys.exit(
        "deploy/jupyterhub_config.py: set COURSE_DB_URL=postgresql://user:password@host/db "
        "(the course's shared database; see deploy/README.md)."
    )


def tutor_flag(spawner) -> str:
    """COURSE_HUB_TUTOR: "1" for members of the tutor group, empty for everyone else.

    Decided by the hub when the server starts, from the hub's own group records: a participant
    cannot set it. Someone added to (or removed from) the group gets the change when their
    server next starts (control panel: Stop My Server, then Start).
    """
    return "1" if any(group.name == TUTOR_GROUP for group in spawner.user.groups) else ""


# -- single-user servers: the course and only the course ---------------------------------------
c.Spawner.cmd = [sys.executable, "-m", "widgets_lib.server.singleuser"]  # jupyterhub-singleuser
c.Spawner.args = [f"--config={DEPLOY / 'jupyter_server_config.py'}"]  # the course, nothing else
c.Spawner.default_url = HOME_PAGE  # participants land on lesson 00
c.Spawner.disable_user_config = True  # no ~/.jupyter config: participants cannot change the server
c.Spawner.environment = {
    # Where Voila finds the "course" template; set before the server starts, because with
    # disable_user_config the server fixes its search path before reading its config file.
    "JUPYTER_PATH": str(template_root()),
    "COURSE_DB_URL": DB_URL,
    "COURSE_HUB_TUTOR": tutor_flag,
    # One secret for every server: a code hashed in one user's server is found from another's.
    "COURSE_SECRET": server_secret().decode("utf-8"),
}
# Generous: a server starts in a few seconds, longer on a loaded machine.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

tutors = [name.strip() for name in os.environ.get("COURSE_TUTORS", "").split(",") if name.strip()]
if tutors:
    c.JupyterHub.load_groups = {TUTOR_GROUP: {"users": tutors}}

# -- the hub's own database ------------------------------------------------------------------
hub_db = os.environ.get("COURSE_HUB_DB_URL", "")
if hub_db:
    # SQLAlchemy's default PostgreSQL driver is psycopg2; the course installs psycopg (3).
    c.JupyterHub.db_url = hub_db.replace("postgresql://", "postgresql+psycopg://", 1)

# -- who may log in (choose; see deploy/README.md) ---------------------------------------
# Default: JupyterHub's PAMAuthenticator + LocalProcessSpawner. Every participant is a Unix
# account on this machine (create them with --shell /usr/sbin/nologin) and the hub runs as
# root to start each server as its user. Or your organisation's login, for example
#   c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"
#   c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
# (pip install oauthenticator, or jupyterhub-nativeauthenticator: sign-up with approval)
# with, for people who have no Unix account, pip install jupyterhub-systemdspawner and
#   c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
#   c.SystemdSpawner.dynamic_users = True
#   c.SystemdSpawner.mem_limit = "1G"
# Then name who may log in and who administers the hub:
#   c.Authenticator.allowed_users = {"ana", "ben"}   # or c.Authenticator.allow_all = True
#   c.Authenticator.admin_users = {"course-admin"}

test_password = os.environ.get("COURSE_HUB_TEST_PASSWORD")
if test_password:
    print(
        "deploy/jupyterhub_config.py: COURSE_HUB_TEST_PASSWORD is set: TEST MODE, anyone with "
        "that password logs in as anyone, servers run without isolation.",
        file=sys.stderr,
    )
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = test_password
    c.Authenticator.allow_all = True
    c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: no isolation at all
    if os.geteuid() == 0:
        c.Spawner.args.append("--allow-root")  # the test machine's user; never for participants
