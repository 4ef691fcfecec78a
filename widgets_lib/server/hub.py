"""The course under JupyterHub: what a participant's single-user server lets its visitor do.

Configured by :func:`widgets_lib.server.serve.server_extension_config`; imported only by a single-user
server that JupyterHub started (it needs the ``jupyterhub`` package).
"""

from __future__ import annotations

from jupyterhub.singleuser.extension import JupyterHubAuthorizer

__all__ = ["CourseAuthorizer"]


class CourseAuthorizer(JupyterHubAuthorizer):
    """JupyterHub's own check, and only the REST calls Voila's pages make.

    A single-user server is a whole Jupyter Server: with its REST API a participant could start a
    kernel of their own, run code in it and read the database password or pretend to be a tutor.
    Voila's pages (``/voila/…``) need no more than being logged in; the page then reads its
    kernel's model (``kernels``/``read``) and opens the kernel's websocket (``kernels``/``execute``,
    where only widget messages pass). Everything else — starting kernels, sessions, contents,
    files, terminals, nbconvert… — gets 403, and is logged.
    """

    ALLOWED = frozenset({("kernels", "read"), ("kernels", "execute")})

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        if (resource, action) not in self.ALLOWED:
            self.log.warning(
                "Course: refused %s on %s (%s)", action, resource, handler.request.path
            )
            return False
        return super().is_authorized(handler, user, action, resource)
