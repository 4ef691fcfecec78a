# Configuration of each participant's single-user server under JupyterHub.
#
# The hub starts `python -m widgets_lib.server.singleuser --config=<this file>`, i.e.
# jupyterhub-singleuser (see jupyterhub_config.py and z2jh-values.yaml): a Jupyter Server
# whose only page is the course, rendered by Voila as a server extension. What it allows and
# why is in widgets_lib.server.serve.server_extension_config (tested in tests/unit/test_hub.py)
# and widgets_lib.server.hub.CourseAuthorizer: no JupyterLab, file tree, terminals or language
# server; the REST API answers only what Voila's pages use; over a kernel's websocket only
# widget messages pass.

from widgets_lib.server.serve import (
    install_log_scrubber,
    prepare_environment,
    server_extension_config,
    use_private_runtime_dir,
)

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
prepare_environment()  # JUPYTER_PATH for Voila's "course" template, unless the hub set it already
install_log_scrubber()  # learner codes and keys out of the log
use_private_runtime_dir()  # kernels' Unix sockets in a short path
c.merge(server_extension_config())
