"""Socket.IO namespace ``/live``: join, post, question, moderate (contract in docs/live.md).

Every handler borrows a database connection from the process's pool and gives
it back (there is no request around a socket event), answers with an ack ``{"ok": true, …}`` or
``{"ok": false, "error": {"code", "message"}}``, and never lets an exception
escape: a malformed payload gets an error ack, the connection lives on.
Who a connection is was settled once at connect (bearer token in ``auth``, or
the browser's sign-in session); nothing in a payload can change it.
"""
import functools
import logging
import threading

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError

from portal.accounts.models import User
from portal.accounts.services import user_for_token
from portal.core.api import localized
from portal.core.db import connection
from portal.core.errors import PermissionDenied, PortalError, ValidationError
from portal.meetings import services
from portal.meetings.hub import NAMESPACE

log = logging.getLogger(__name__)
MAX_TEXT = 2000
_users = {}  # sid -> user id (None: anonymous)
_users_lock = threading.Lock()


def _error(code, message, params=None):
    """The error ack; its message in the connection's language (``?lang=en`` on the Socket.IO URL,
    or the ``lang`` cookie a browser got by choosing English), Chinese by default."""
    return {"ok": False, "error": {"code": code, "message": localized(message, params)}}


def _handler(fn=None, *, host=False):
    """Explicit connection, uniform acks, and no exception ever reaches the server loop.

    Viewers' events wait for a pooled connection; a host's (``host=True``: post, moderate) never waits
    behind thousands of viewers joining at once."""
    if fn is None:
        return functools.partial(_handler, host=host)

    @functools.wraps(fn)
    def wrapped(*args):
        data = args[0] if args else None
        if len(args) > 1 or not isinstance(data, dict):
            return _error("bad_payload", "消息格式不对：须为一个JSON对象。")
        try:
            with connection(wait=not host):
                return fn(data)
        except PortalError as exc:
            return _error(exc.code, exc.template, exc.params)
        except Exception:
            log.exception("live handler %s failed", fn.__name__)
            return _error("internal_error", "服务器出错了，请稍后再试。")
    return wrapped


def _user():
    user_id = _users.get(request.sid)
    return User.get_or_none(User.id == user_id) if user_id else None


def _meeting(data):
    return services.get_meeting(data.get("meeting"))


def _hosting(data):
    """(host, meeting) for a host-only event; a non-host is refused whatever the payload claims."""
    user = _user()
    meeting = _meeting(data)
    if user is None or not services.may_post(user, meeting):
        raise PermissionDenied("not_host", "只有本场会议的主持人可以操作。")
    return user, meeting


def on_connect(auth=None):
    """Token in ``auth`` (API clients) or the sign-in session (browser); none: anonymous viewer."""
    with connection():
        token = auth.get("token") if isinstance(auth, dict) else None
        user = None
        if token:
            user = user_for_token(token) if isinstance(token, str) else None
            if user is None:
                # The client's connect_error gets {"message", "data": {"error": {"code", "message"}}}.
                message = localized("访问令牌无效。")
                raise ConnectionRefusedError(message, {"error": {"code": "invalid_token", "message": message}})
        elif current_user.is_authenticated:
            user = current_user._get_current_object()
        with _users_lock:
            _users[request.sid] = user.id if user else None


def on_disconnect(*args):
    with _users_lock:
        _users.pop(request.sid, None)
    services.hub().disconnect(request.sid)


@_handler
def on_join(data):
    """Backlog after ``last_seq`` in order, then live items; the ack tells the state."""
    last_seq = data.get("last_seq", 0)
    if isinstance(last_seq, bool) or not isinstance(last_seq, int) or not 0 <= last_seq < 2**31:
        raise ValidationError("bad_last_seq", "last_seq 必须是非负整数。")
    meeting = _meeting(data)
    user = _user()
    as_host = user is not None and services.may_post(user, meeting)
    hub = services.hub()
    sent = hub.join(request.sid, meeting.id, last_seq,
                    lambda after: services.iter_backlog(meeting.id, after), as_host=as_host)
    viewers = hub.viewers(meeting.id)
    hub.note_count(meeting.id, viewers)
    reply = {"ok": True, "meeting": meeting.id, "status": meeting.status, "last_seq": sent,
             "viewers": viewers, "host": as_host, "can_ask": user is not None}
    if as_host:
        reply["pending_questions"] = services.pending_questions(meeting)
    return reply


@_handler
def on_leave(data):
    services.hub().leave(request.sid, _meeting(data).id)
    return {"ok": True}


@_handler(host=True)
def on_post(data):
    """Host only: ``{"meeting", "kind", "data"}`` → ``{"ok": true, "seq": n}``."""
    user, meeting = _hosting(data)
    item = services.post_item(user, meeting, data.get("kind"), data.get("data"))
    return {"ok": True, "seq": item["seq"]}


@_handler
def on_question(data):
    """Signed-in viewers: ``{"meeting", "text"}``; held for the host's moderation."""
    user = _user()
    meeting = _meeting(data)
    if user is None:
        return _error("login_required", "请先登录再提问。")
    question = services.ask_question(user, meeting, data.get("text"))
    return {"ok": True, "question": question.id, "status": question.status}


@_handler(host=True)
def on_moderate(data):
    """Host only: ``{"meeting", "question", "action": "approve"|"hide"}``."""
    user, meeting = _hosting(data)
    question = services.moderate_question(user, meeting, data.get("question"), data.get("action"))
    return {"ok": True, "question": question.id, "status": question.status, "seq": question.item_seq}


def _on_error(exc):
    log.exception("live namespace error: %s", exc)
    return _error("internal_error", "服务器出错了，请稍后再试。")


def register(socketio):
    socketio.on_event("connect", on_connect, namespace=NAMESPACE)
    socketio.on_event("disconnect", on_disconnect, namespace=NAMESPACE)
    for name, fn in (("join", on_join), ("leave", on_leave), ("post", on_post),
                     ("question", on_question), ("moderate", on_moderate)):
        socketio.on_event(name, fn, namespace=NAMESPACE)
    socketio.on_error(NAMESPACE)(_on_error)
