"""widgets_lib.server.serve.KernelOwners: a kernel answers only the browser that first used it.

The end-to-end check (a real server, B's kernel refused to A's cookie with 403) is in
tests/reliability/test_widget_messages.py; here the rule itself, without a server.
"""

from __future__ import annotations

from types import SimpleNamespace

from widgets_lib.server.serve import KernelOwners, voila_config


def handler(kernel_id: str | None, live: list[str], websocket: bool = True) -> SimpleNamespace:
    """A kernel websocket handler has ``kernel_id``; ``/api/kernels/<id>`` has it in path_kwargs."""
    return SimpleNamespace(
        kernel_id=kernel_id if websocket else None,
        path_kwargs={} if websocket or kernel_id is None else {"kernel_id": kernel_id},
        kernel_manager=SimpleNamespace(list_kernel_ids=lambda: list(live)),
        request=SimpleNamespace(method="GET", path=f"/api/kernels/{kernel_id}/channels"),
    )


def visitor(name: str) -> SimpleNamespace:
    return SimpleNamespace(username=name)


def test_the_first_browser_owns_a_kernel_and_no_other_may_use_it():
    owners = KernelOwners()
    live = ["k-a", "k-b"]
    assert owners.is_authorized(handler("k-a", live), visitor("a"), "execute", "kernels")
    assert owners.is_authorized(handler("k-b", live), visitor("b"), "execute", "kernels")
    assert not owners.is_authorized(handler("k-b", live), visitor("a"), "execute", "kernels")
    assert not owners.is_authorized(
        handler("k-b", live, websocket=False), visitor("a"), "read", "kernels"
    )
    assert owners.is_authorized(
        handler("k-b", live, websocket=False), visitor("b"), "read", "kernels"
    )
    assert owners.is_authorized(handler("k-a", live), visitor("a"), "execute", "kernels")


def test_other_resources_and_unknown_kernels_are_left_to_the_server():
    owners = KernelOwners()
    assert owners.is_authorized(handler(None, []), visitor("a"), "read", "contents")
    assert owners.is_authorized(handler("gone", []), visitor("a"), "execute", "kernels")  # then 404
    assert owners.owners == {}


def test_a_kernel_that_is_gone_is_forgotten():
    owners = KernelOwners()
    assert owners.is_authorized(handler("k-a", ["k-a"]), visitor("a"), "execute", "kernels")
    assert owners.is_authorized(handler("k-b", ["k-b"]), visitor("b"), "execute", "kernels")
    assert owners.owners == {"k-b": "b"}


def test_the_course_server_uses_it():
    assert voila_config(pool_size=1).Voila.authorizer_class is KernelOwners
