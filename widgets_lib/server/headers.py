"""Security headers, cookie flags and log scrubbing for every response the course's server sends.

Jupyter Server's ``headers`` setting reaches only its own handlers: Voila's static files
(``/voila/static/…``, ``/voila/templates/…``) and tornado's own 404 went out with no
``X-Content-Type-Options`` or Content-Security-Policy, and every cookie (the ``_xsrf`` token,
Voila's anonymous identity) went out without ``SameSite`` or ``Secure``. :class:`SecurityHeaders`
is a tornado output transform (``Application.add_transform``), applied to every response of
the standalone server whatever handler made it; :func:`header_settings` gives the same headers and
cookie options as tornado / Jupyter Server settings for the JupyterHub single-user server.
"""

from __future__ import annotations

import ipaddress
import os
import re
from urllib.parse import unquote_plus

from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.web import OutputTransform

# The learner code and the tutor key are in page addresses (``?learner=CODE``): parameters whose
# values never reach a log line.
SCRUBBED_PARAMS = ("learner", "cohort", "tutor", "key")

# What a course page needs, measured by loading every lesson and the tutor dashboard (and a drawn
# network, the pyvis ``<iframe srcdoc>``, which inherits the policy) in Chromium and listening for
# ``securitypolicyviolation``: nothing from another host, no eval, no workers, no fonts but the
# server's. Two relaxations are needed: Voila's page is built from inline ``<script>`` blocks (its
# page config, each widget's state, its start-up code; 7–26 a page, all blocked without
# 'unsafe-inline', and the page stays empty), and it inlines its theme in ~140 ``<style>``
# elements and widgets set ``style=`` attributes ('unsafe-inline' for styles); Voila's
# page icon is a data: image. Nonces would need Voila's templates to carry them.
# 'unsafe-eval' is not needed by any page (measured: tests/reliability/test_attacks_server.py
# loads every page under this policy); the browser tests, whose Playwright string predicates are
# evaluated with eval inside the page, open their contexts with ``bypass_csp=True``.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # blob: lesson 04's map editor is an anywidget, whose front end imports the widget's ES
        # module from a blob: URL it makes from the module's text (the kernel sends the text);
        # the editor loads the vendored vis-network the same way. A blob: URL can only be made
        # by a script already running in the page, so this lets in nothing from elsewhere.
        "script-src 'self' 'unsafe-inline' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",  # the kernel's websocket: 'self' covers ws:/wss: to this host
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # 'same-origin', not 'no-referrer': under 'no-referrer' a browser sends ``Origin: null`` with
    # a same-origin POST, which Jupyter Server refuses as a cross-origin request (Voila's page
    # posts to its shutdown route when a tab closes). Other sites never see the page's address,
    # which carries the learner code.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors for browsers without CSP level 2
}


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed:
    ``COURSE_TRUSTED_PROXIES``, comma-separated addresses or networks; default this machine
    (a reverse proxy on the same host)."""
    text = os.environ.get("COURSE_TRUSTED_PROXIES", "127.0.0.1,::1")
    networks = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise SystemExit(
                f"COURSE_TRUSTED_PROXIES: {part!r} is not an address such as 127.0.0.1 or 10.0.0.0/8"
            ) from None
    return networks


def _trusted(address: str, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def forwarded_for(request: HTTPServerRequest, proxies=None) -> str | None:
    """The visitor's address as a trusted proxy forwarded it (the last ``X-Forwarded-For``
    entry, the one the proxy itself added), or None when the request did not come through one."""
    proxies = trusted_proxies() if proxies is None else proxies
    header = request.headers.get("X-Forwarded-For", "")
    if not header or not _trusted(request.remote_ip or "", proxies):
        return None
    return header.split(",")[-1].strip() or None


def client_address(request: HTTPServerRequest, proxies=None) -> str | None:
    """The visitor's address: as a trusted proxy forwarded it, or the connection's own; None for
    a request from a trusted proxy that did not say for whom (by default, a browser on this
    machine: the operator's, or the tests')."""
    proxies = trusted_proxies() if proxies is None else proxies
    forwarded = forwarded_for(request, proxies)
    if forwarded is not None:
        return forwarded
    if _trusted(request.remote_ip or "", proxies):
        return None
    return request.remote_ip


def is_https(request: HTTPServerRequest, proxies=None) -> bool:
    """True when the visitor's browser used HTTPS: directly, or to a trusted proxy that says so."""
    if request.protocol == "https":
        return True
    proxies = trusted_proxies() if proxies is None else proxies
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return proto == "https" and _trusted(request.remote_ip or "", proxies)


def cookie_flags(set_cookie: str, https: bool) -> str:
    """One ``Set-Cookie`` value with ``SameSite=Lax`` (unless it names its own) and, over HTTPS,
    ``Secure``: a cookie sent over HTTPS must never travel again over plain HTTP."""
    attributes = {part.strip().split("=", 1)[0].lower() for part in set_cookie.split(";")[1:]}
    if "samesite" not in attributes:
        set_cookie += "; SameSite=Lax"
    if https and "secure" not in attributes:
        set_cookie += "; Secure"
    return set_cookie


class _FlaggedCookies(HTTPHeaders):
    """Response headers whose ``Set-Cookie`` lines get :func:`cookie_flags` as they are added."""

    https = False

    def add(self, name: str, value: str) -> None:
        if name.lower() == "set-cookie":
            value = cookie_flags(value, self.https)
        super().add(name, value)


class SecurityHeaders(OutputTransform):
    """Adds :data:`SECURITY_HEADERS` to every response (keeping the sandboxing CSP Jupyter Server
    gives the files it serves) and :func:`cookie_flags` to every cookie.

    Tornado adds a response's cookies to its headers just after the output transforms have run
    (``RequestHandler.flush``), so the headers returned here flag each cookie as it is added
    (tests/unit/test_third_party_internals.py checks that order)."""

    def __init__(self, request: HTTPServerRequest) -> None:
        super().__init__(request)
        self.https = is_https(request)

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        flagged = _FlaggedCookies()
        flagged.https = self.https
        for name, value in headers.get_all():
            flagged.add(name, value)
        for name, value in SECURITY_HEADERS.items():
            if name == "Content-Security-Policy" and "sandbox" in flagged.get(name, ""):
                continue  # Jupyter Server confines files it serves to a sandbox: keep that
            flagged[name] = value
        return status_code, flagged, chunk


def header_settings() -> dict:
    """The same as tornado / Jupyter Server settings, for servers the course does not build itself
    (the JupyterHub single-user server): headers on every Jupyter handler, ``SameSite=Lax`` on the
    ``_xsrf`` cookie. (The page's script reads ``_xsrf`` to send it back, so it is not HttpOnly;
    the identity cookie is HttpOnly already.)"""
    return {
        "headers": dict(SECURITY_HEADERS),
        "xsrf_cookie_kwargs": {"samesite": "Lax"},
    }


# ``name=value`` anywhere in a log line: a URL's query, a Referer, a message (a value ends where a
# query would start: ``referer=http://host/page?learner=CODE`` holds two pairs). The name may be
# percent-encoded (``%6Cearner``) or use ``+`` for spaces: browsers and Python's parse_qs, which
# reads the course's query string, decode it, so it is decoded here before it is compared.
_PARAM = re.compile(r"(?P<name>[\w%.+\-\[\]]+)(?P<eq>=|%3[dD])(?P<value>[^&?#;\s'\"]*)")


def _decoded(name: str) -> str:
    for _ in range(3):  # a name encoded twice is still someone's code in a later log line
        decoded = unquote_plus(name)
        if decoded == name:
            break
        name = decoded
    return name.strip().lower()


def scrub(text: str, params=SCRUBBED_PARAMS) -> str:
    """``text`` with the value of every secret parameter replaced by ``[secret]``."""

    def replace(match: re.Match) -> str:
        name = _decoded(match["name"])
        if not match["value"] or not any(param in name for param in params):
            return match[0]
        return f"{match['name']}{match['eq']}[secret]"

    return _PARAM.sub(replace, text)
