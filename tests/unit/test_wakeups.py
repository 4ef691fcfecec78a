"""A kernel message whose arrival ZeroMQ did not announce is still taken (widgets_lib/server/wakeups.py).

The missed announcement is made on purpose: while the server's loop cannot run, a blocking
``zmq_poll`` on the receiving socket waits for the message, and in doing so reads the signal that
would have woken the loop. The message is then in the socket, and nothing will announce it.
"""

from __future__ import annotations

import asyncio
from queue import Empty

import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from widgets_lib.server import wakeups

ORIGINAL = wakeups.ORIGINAL_GET_MSG  # jupyter_client's own, even if a test installed the re-check


async def _one_turn() -> None:
    """Let every task that is ready run once (no fixed delay)."""
    loop = asyncio.get_running_loop()
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


async def _unannounced(get_msg, within: float) -> dict:
    """A reply sent to a channel already waiting in ``get_msg``, its announcement read away."""
    context = zmq.asyncio.Context()
    sender_context = zmq.Context()
    receiver = context.socket(zmq.DEALER)
    port = receiver.bind_to_random_port("tcp://127.0.0.1")
    sender = sender_context.socket(zmq.DEALER)
    sender.connect(f"tcp://127.0.0.1:{port}")
    session = Session(key=b"")
    channel = AsyncZMQSocketChannel(receiver, session)
    try:
        waiting = asyncio.ensure_future(get_msg(channel))
        await _one_turn()  # it now waits on the socket's descriptor
        session.send(sender, "execute_reply", content={"status": "ok"})
        shadow = zmq.Socket.shadow(receiver.underlying)
        poller = zmq.Poller()
        poller.register(shadow, zmq.POLLIN)
        assert poller.poll(5000), "the reply did not arrive"  # and its announcement is read
        return await asyncio.wait_for(waiting, within)
    finally:
        sender.close(linger=0)
        channel.close()
        context.term()
        sender_context.term()


def test_an_unannounced_reply_is_taken_by_the_recheck():
    before = wakeups.Missed.count
    reply = asyncio.run(_unannounced(wakeups.get_msg, within=wakeups.RECHECK_S * 10))
    assert reply["msg_type"] == "execute_reply"
    assert reply["content"] == {"status": "ok"}
    assert wakeups.Missed.count == before + 1


def test_without_the_recheck_the_same_reply_waits_for_ever():
    """The scenario above does lose the wakeup: jupyter_client's own get_msg never returns."""
    with pytest.raises(TimeoutError):
        asyncio.run(_unannounced(ORIGINAL, within=wakeups.RECHECK_S * 3))


def test_an_announced_reply_is_taken_at_once_and_not_counted():
    async def scenario() -> tuple[dict, float]:
        context = zmq.asyncio.Context()
        receiver = context.socket(zmq.DEALER)
        port = receiver.bind_to_random_port("tcp://127.0.0.1")
        sender = context.socket(zmq.DEALER)
        sender.connect(f"tcp://127.0.0.1:{port}")
        session = Session(key=b"")
        channel = AsyncZMQSocketChannel(receiver, session)
        try:
            waiting = asyncio.ensure_future(wakeups.get_msg(channel))
            await _one_turn()
            session.send(sender, "status", content={"execution_state": "idle"})
            return await asyncio.wait_for(waiting, wakeups.RECHECK_S * 10)
        finally:
            sender.close(linger=0)
            channel.close()
            context.term()

    before = wakeups.Missed.count
    reply = asyncio.run(scenario())
    assert reply["content"] == {"execution_state": "idle"}
    assert wakeups.Missed.count == before


@pytest.mark.parametrize("timeout", [0, 0.05, 1.5])
def test_a_timeout_still_ends_in_empty(timeout):
    async def scenario() -> None:
        context = zmq.asyncio.Context()
        receiver = context.socket(zmq.DEALER)
        receiver.bind_to_random_port("tcp://127.0.0.1")
        channel = AsyncZMQSocketChannel(receiver, Session(key=b""))
        try:
            with pytest.raises(Empty):
                await wakeups.get_msg(channel, timeout=timeout)
        finally:
            channel.close()
            context.term()

    asyncio.run(scenario())


def _stream_hears_unannounced(monkeypatch, recheck: bool, within: float) -> list:
    """A ZMQStream (as Jupyter Server's websockets use) whose message's announcement is read away."""
    from zmq.eventloop.zmqstream import ZMQStream

    monkeypatch.setattr(ZMQStream, "__init__", wakeups.ORIGINAL_STREAM_INIT)  # restored afterwards
    monkeypatch.setattr(wakeups._Streams, "check", None)
    if recheck:
        wakeups._recheck_streams()
    heard: list = []

    async def scenario() -> None:
        context = zmq.Context()
        receiver = context.socket(zmq.DEALER)
        port = receiver.bind_to_random_port("tcp://127.0.0.1")
        sender = context.socket(zmq.DEALER)
        sender.connect(f"tcp://127.0.0.1:{port}")
        stream = ZMQStream(receiver)
        arrived = asyncio.get_running_loop().create_future()
        stream.on_recv(lambda msg: (heard.append(msg), arrived.done() or arrived.set_result(None)))
        try:
            await _one_turn()
            sender.send_multipart([b"comm_msg", b"saved"])
            poller = zmq.Poller()
            poller.register(zmq.Socket.shadow(receiver.underlying), zmq.POLLIN)
            assert poller.poll(5000), "the message did not arrive"  # its announcement is read
            await asyncio.wait_for(arrived, within)
        finally:
            stream.close(linger=0)
            sender.close(linger=0)
            context.term()

    try:
        asyncio.run(scenario())
    finally:
        if wakeups._Streams.check is not None:
            wakeups._Streams.check.stop()
    return heard


def test_a_websocket_stream_is_handed_an_unannounced_message(monkeypatch):
    heard = _stream_hears_unannounced(monkeypatch, recheck=True, within=wakeups.RECHECK_S * 10)
    assert heard == [[b"comm_msg", b"saved"]]


def test_without_the_recheck_the_stream_never_hears_it(monkeypatch):
    with pytest.raises(TimeoutError):
        _stream_hears_unannounced(monkeypatch, recheck=False, within=wakeups.RECHECK_S * 3)


def test_the_server_and_the_hub_servers_use_the_recheck():
    from pathlib import Path

    root = Path(wakeups.__file__).resolve().parent
    for module in ("serve.py", "singleuser.py"):
        assert "recheck_kernel_messages()" in (root / module).read_text(), module
