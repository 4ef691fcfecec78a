"""widgets_lib.server.headers: log scrubbing, cookie flags, who the visitor is behind a proxy."""

from __future__ import annotations

import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from widgets_lib.server.headers import (
    CONTENT_SECURITY_POLICY,
    client_address,
    cookie_flags,
    is_https,
    scrub,
)


def request(peer: str, **headers: str) -> HTTPServerRequest:
    req = HTTPServerRequest(
        start_line=RequestStartLine("GET", "/", "HTTP/1.1"),
        headers=HTTPHeaders({"Host": "course.example", **headers}),
    )
    req.remote_ip = peer
    return req


@pytest.mark.parametrize(
    "name", ["learner", "%6Cearner", "l%65arner", "%6C%65%61%72%6E%65%72", "%256Cearner", "Learner"]
)
def test_a_code_is_scrubbed_however_its_name_is_written(name):
    line = f"404 GET /voila/render/x.ipynb?a=1&{name}=K7PM3XQA9TRE (127.0.0.1)"
    assert "K7PM3XQA9TRE" not in scrub(line)
    assert "a=1" in scrub(line)


def test_a_referer_and_its_query_are_two_pairs():
    line = "referer=http://h:8866/voila/render/00.ipynb?learner=K7PM3XQA9TRE&x=2"
    assert scrub(line) == "referer=http://h:8866/voila/render/00.ipynb?learner=[secret]&x=2"


def test_other_parameters_are_kept():
    assert scrub("GET /voila/render/00.ipynb?theme=light") == (
        "GET /voila/render/00.ipynb?theme=light"
    )


def test_cookies_are_same_site_and_secure_only_over_https():
    assert cookie_flags("_xsrf=abc; Path=/", https=False) == "_xsrf=abc; Path=/; SameSite=Lax"
    assert cookie_flags("a=b; Path=/", https=True) == "a=b; Path=/; SameSite=Lax; Secure"
    assert (
        cookie_flags("a=b; SameSite=Strict; Secure", https=True) == "a=b; SameSite=Strict; Secure"
    )


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(monkeypatch):
    monkeypatch.setenv("COURSE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"}
    assert client_address(request("10.1.2.3", **forwarded)) == "203.0.113.7"
    assert is_https(request("10.1.2.3", **forwarded))
    assert client_address(request("192.0.2.5", **forwarded)) == "192.0.2.5"  # spoofed: ignored
    assert not is_https(request("192.0.2.5", **forwarded))
    assert client_address(request("127.0.0.1")) is None  # this machine: total cap only


def test_the_policy_names_no_other_host():
    assert "http" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'self'" in CONTENT_SECURITY_POLICY


def test_blob_urls_are_allowed_for_scripts_only():
    """anywidget imports the map editor's module from a blob: URL; nothing else needs one."""
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert "blob:" in directives["script-src"].split()
    assert [name for name, sources in directives.items() if "blob:" in sources] == ["script-src"]
    assert "data:" not in directives["script-src"]
