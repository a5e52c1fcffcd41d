"""N viewers in one process (asyncio python-socketio clients, websocket transport).

Prints ``ready`` once every viewer has joined, then records every item: its
latency (receive time minus the host's send time carried in the text), and
whether it arrived in order. Exits when each viewer has ``expected`` items or
on ``deadline``; writes a JSON summary to ``out``. A viewer that loses its connection reconnects and joins
again with the last sequence number it has, as the portal's page does (the disconnects are counted).
Usage: ``python viewers.py URL MEETING COUNT EXPECTED DEADLINE_S OUT``.
"""
import asyncio
import json
import string
import sys
import time

import socketio


def stamp(seconds):
    """A send time in letters only: a run of digits in an item's text (a Unix time is ten or more)
    could be read as a phone number and masked, as the portal must for any live item."""
    micros, letters = int(seconds * 1_000_000), []
    while micros:
        micros, digit = divmod(micros, 26)
        letters.append(string.ascii_lowercase[digit])
    return "".join(reversed(letters))


def unstamp(text):
    micros = 0
    for letter in text:
        micros = micros * 26 + string.ascii_lowercase.index(letter)
    return micros / 1_000_000


async def viewer(url, meeting, expected, stats, joined):
    client = socketio.AsyncClient(reconnection=True)
    state = {"last": 0, "got": 0, "bad_order": 0, "dups": 0}
    done = asyncio.Event()

    @client.on("item", namespace="/live")
    async def on_item(item):
        now = time.time()
        seq = item["seq"]
        if seq <= state["last"]:
            state["dups"] += 1
            return
        if seq != state["last"] + 1 and state["last"]:
            state["bad_order"] += 1
        state["last"] = seq
        text = item["data"].get("text", "")
        if text.startswith("bench "):
            stats["latencies"].append(now - unstamp(text.split()[2]))
            state["got"] += 1
            stats["received"] += 1
            stats["last_receive"] = now
            if state["got"] >= expected:
                done.set()

    @client.on("disconnect", namespace="/live")
    async def on_disconnect(*args):
        if not state.get("done"):  # dropped, not our own disconnect at the end
            stats["disconnects"] += 1

    @client.on("connect", namespace="/live")
    async def on_connect():
        # As the portal's page does: after a reconnect, join again from the last item shown (the portal sends
        # what was missed; the bare server has no backlog, so what it sent meanwhile is lost).
        if state.get("joined"):
            stats["rejoins"] += 1
            await client.emit("join", {"meeting": meeting, "last_seq": state["last"]}, namespace="/live")

    await client.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=60)
    ack = await client.call("join", {"meeting": meeting, "last_seq": 0},
                            namespace="/live", timeout=60)
    assert ack.get("ok"), ack
    state["joined"] = True
    joined.append(1)
    await done.wait()
    stats["per_viewer"].append(state)
    state["done"] = True
    await client.disconnect()


async def main(url, meeting, count, expected, deadline, out):
    stats = {"latencies": [], "received": 0, "per_viewer": [], "last_receive": 0, "disconnects": 0, "rejoins": 0}
    joined = []
    tasks = []
    for i in range(count):
        tasks.append(asyncio.create_task(viewer(url, meeting, expected, stats, joined)))
        if i % 20 == 19:
            await asyncio.sleep(0.1)
    while len(joined) < count:
        await asyncio.sleep(0.2)
    print("ready", flush=True)
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=deadline)
    except asyncio.TimeoutError:
        pass
    stats["viewers"] = count
    stats["complete"] = len(stats["per_viewer"])
    stats["bad_order"] = sum(s["bad_order"] for s in stats["per_viewer"])
    stats["dups"] = sum(s["dups"] for s in stats["per_viewer"])
    with open(out, "w") as fh:
        json.dump(stats, fh)
    print("done", flush=True)
    import os
    os._exit(0)


if __name__ == "__main__":
    url, meeting, count, expected, deadline, out = sys.argv[1:]
    asyncio.run(main(url, int(meeting), int(count), int(expected), float(deadline), out))
