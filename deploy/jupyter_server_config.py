# Configuration of each participant's single-user server under JupyterHub.
#
# The hub starts `jupyterhub-singleuser --config=<this file>` (see jupyterhub_config.py and
# z2jh-values.yaml): a Jupyter Server whose only page is the course, rendered by Voila as a
# server extension, with the course's Voila settings from widgets_lib.serve.
#
# A single-user server is a full Jupyter Server, so on top of the course settings this file
# takes away everything a participant could use to run code of their own (which would let
# them read the database password in COURSE_DB_URL, or pretend to be a tutor):
#   * JupyterLab, the classic tree, terminals and the language server are switched off;
#   * the REST API answers only what Voila's pages use (reading a kernel's model and talking to
#     it over its websocket); starting kernels, sessions, contents, nbconvert… get 403;
#   * over a kernel's websocket only widget messages pass (as in standalone Voila): an
#     `execute_request` sent by hand is dropped.

import atexit
import os
import shutil
import tempfile

from jupyterhub.singleuser.extension import JupyterHubAuthorizer

from widgets_lib.paths import course_dir, template_root
from widgets_lib.serve import install_log_scrubber, prepare_environment, voila_config

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

HOME_PAGE = "/voila/render/00_welcome.ipynb"

# -- the course, as `python -m widgets_lib.serve` serves it ------------------------------------
prepare_environment()  # JUPYTER_PATH for Voila's "course" template, unless the hub set it already
install_log_scrubber()
course = voila_config(preheat=False)  # pools need standalone Voila: one kernel per page here
c.merge(course)
c.ServerApp.tornado_settings = {
    **course.Voila.tornado_settings,  # the request log without learner codes
    # As standalone Voila: no MathJax. Unless both are None, Voila's page fetches it from a CDN.
    "mathjax_url": None,
    "mathjax_config": None,
}
c.ServerApp.root_dir = str(course_dir())
c.ServerApp.default_url = HOME_PAGE
# The course's kernels talk to the server over Unix sockets (KernelManager.transport = "ipc"),
# whose paths may not exceed 107 characters: ~/.local/share/jupyter/runtime/kernel-<uuid>-ipc-N
# does with a long user name, so this server keeps its sockets in a short private folder.
_runtime = tempfile.mkdtemp(prefix="course-kernels-")
atexit.register(shutil.rmtree, _runtime, True)
os.environ["JUPYTER_RUNTIME_DIR"] = _runtime

# -- nothing but the course ----------------------------------------------------------------------
c.ServerApp.jpserver_extensions = {
    "voila": True,
    "jupyterlab": False,
    "notebook": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
}
c.ServerApp.terminals_enabled = False
# Jupyter Server's own pages (404 for /lab or /tree, 403, 500) are the course's plain-language
# ones, linking to the welcome page and fetching nothing from other hosts.
c.ServerApp.extra_template_paths = [str(template_root() / "voila" / "templates" / "course")]
c.MappingKernelManager.allowed_message_types = [
    # what Voila's page sends; the list standalone Voila uses (voila/app.py)
    "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request",
    "shutdown_request",
]
c.MappingKernelManager.allow_tracebacks = False


class CourseAuthorizer(JupyterHubAuthorizer):
    """JupyterHub's check, and only the REST calls Voila's pages make.

    Voila's own pages (/voila/…) need no authorization beyond being logged in; its page then
    reads its kernel's model and opens the kernel's websocket.
    """

    ALLOWED = {("kernels", "read"), ("kernels", "execute")}

    def is_authorized(self, handler, user, action, resource):
        if (resource, action) not in self.ALLOWED:
            self.log.warning("Course: refused %s on %s (%s)", action, resource,
                             handler.request.path)
            return False
        return super().is_authorized(handler, user, action, resource)


c.ServerApp.authorizer_class = CourseAuthorizer
