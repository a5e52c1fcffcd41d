"""The yardstick: a bare python-socketio server on the portal's own stack (gevent's WSGI server,
``async_mode="gevent"``, simple-websocket), with no database and no audit.

``join`` enters the room, ``post`` numbers the item and broadcasts it. Usage:
``python bench/live/bare_server.py PORT``.
"""
from gevent import monkey

monkey.patch_all()  # as run.py: before anything imports socket or threading

import itertools  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import socketio  # noqa: E402
from gevent import pywsgi  # noqa: E402

sio = socketio.Server(async_mode="gevent", cors_allowed_origins=[])
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
    pywsgi.WSGIServer(("127.0.0.1", int(sys.argv[1])), app, log=None, error_log=None).serve_forever()
