"""Viewers joining at once share the process's few database connections: a join borrows one from the pool
and gives it back, it never opens its own (3,000 viewers joining held 2,955 SQLite connections; on
PostgreSQL each would have been a server process, and the server allows 100)."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

import requests
import socketio

from live_helpers import NS, live_meeting, server, tokens  # noqa: F401 (fixtures)

VIEWERS = 200


def connections(server):
    return requests.get(server.url + "/healthz", timeout=10).json()["db_connections"]


async def join_all(url, meeting, count):
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(count)]

    async def one(client):
        # generous waits on a loaded CI machine: the property tested is the count of connections, not the speed
        await client.connect(url, namespaces=[NS], transports=["websocket"], wait_timeout=60)
        return await client.call("join", {"meeting": meeting, "last_seq": 0}, namespace=NS, timeout=60)

    try:
        return await asyncio.gather(*(one(c) for c in clients))
    finally:
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


def test_joins_at_once_borrow_from_the_pool_and_open_no_connection_each(server, tokens):
    meeting = live_meeting(server, tokens["clerk_houxi"])
    before = connections(server)
    with ThreadPoolExecutor(1) as own_loop:  # a loop of its own (Playwright's may be running in this thread)
        acks = own_loop.submit(asyncio.run, join_all(server.url, meeting, VIEWERS)).result()
    assert all(a["ok"] and a["last_seq"] == 1 for a in acks), [a for a in acks if not a.get("ok")][:3]
    after = connections(server)
    # this request's own connection (requests are not pooled) and at most the pool's size, whatever the joins
    assert after["opened"] - before["opened"] <= after["pool"] + 1, (before, after)
    assert after["peak"] <= max(before["peak"], after["pool"] + 2), (before, after)
    assert after["open"] <= after["pool"] + 1, after
