"""A participant's server under JupyterHub: ``jupyterhub-singleuser``, started through this
package so that it starts without the import that ``widgets_lib/server/__init__.py`` leaves out
(deploy/jupyterhub_config.py and z2jh-values.yaml run ``python -m widgets_lib.server.singleuser``
with the same arguments as ``jupyterhub-singleuser``)."""

from jupyterhub.singleuser import main

from .wakeups import recheck_kernel_messages

if __name__ == "__main__":
    recheck_kernel_messages()  # as the standalone server (wakeups.py)
    main()
