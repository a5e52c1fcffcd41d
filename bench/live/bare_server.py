"""The yardstick: a bare python-socketio server (same threading stack, no database, no audit).

``join`` enters the room, ``post`` numbers the item and broadcasts it. Usage:
``python bench/live/bare_server.py PORT``.
"""
import itertools
import sys
import threading

import socketio
from werkzeug.serving import run_simple

sio = socketio.Server(async_mode="threading", cors_allowed_origins=[])
app = socketio.WSGIApp(sio)
counter = itertools.count(1)
lock = threading.Lock()


@sio.on("join", namespace="/live")
def join(sid, data):
    sio.enter_room(sid, "meeting", namespace="/live")
    return {"ok": True}


@sio.on("post", namespace="/live")
def post(sid, data):
    with lock:
        seq = next(counter)
        sio.emit("item", {"meeting": data["meeting"], "seq": seq, "kind": data["kind"], "data": data["data"]},
                 to="meeting", namespace="/live")
    return {"ok": True, "seq": seq}


if __name__ == "__main__":
    run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=True)
