"""The course's server side: Voila configuration, kernels, limits and the hub's pieces.

Importing this package first keeps every Jupyter server it starts from building the grammar of
``rfc3987_syntax`` (about 0.8 s of a 1.9 s import, measured with ``python -X importtime``): jsonschema
imports it, when present, only to check the "iri" and "iri-reference" formats, which no schema
the servers validate (Jupyter's event schemas, notebooks) uses. Marked missing here, jsonschema
skips those two checks as it does where the package is not installed. This must come before
jupyter_server is imported: ``python -m widgets_lib.server.serve`` and
``python -m widgets_lib.server.singleuser`` (the hub's single-user servers) import it first.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
