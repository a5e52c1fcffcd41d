"""Delivery of broadcast items to viewers: in order, nothing lost, nothing twice.

Why not plain ``socketio.emit(to=room)``: a viewer who joins with ``last_seq``
must get the backlog from the database and then the live stream, and an item
committed while the backlog is being read would otherwise arrive twice or
out of order. So every process runs its own delivery:

* The poster takes the meeting's posting lock (a thread lock, plus a Redis lock
  when several processes share a message queue), commits the item and
  publishes it while still holding the lock, so items are published in
  sequence order.
* Each process receives published items (directly, or from its subscription to
  the Redis channel) and, under one process lock, emits them to its local room
  (``ignore_queue``: this process owns those sockets) and appends them to the
  buffer of every viewer of that meeting who is still catching up.
* A joining viewer is given a buffer *before* the backlog is read, is sent the
  backlog, then, under the process lock, the buffered items it has not seen,
  and only then enters the room. Every item is either committed before the
  backlog read (so in the backlog) or published after the buffer existed (so
  in the buffer); duplicates are dropped by sequence number.

Viewer counts are per process; with Redis each process also writes its count
into a hash with a heartbeat so every process can show the county-wide total.
"""
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager

from portal.core.errors import Conflict

log = logging.getLogger(__name__)
NAMESPACE = "/live"
HEARTBEAT_SECONDS = 10




def room(meeting_id):
    return f"meeting:{meeting_id}"


def host_room(meeting_id):
    return f"meeting-host:{meeting_id}"


def deployment_tag(database_url):
    """Processes sharing a database share a channel; other deployments on the same Redis stay apart."""
    return hashlib.sha256(database_url.encode()).hexdigest()[:12]


class Hub:
    def __init__(self, socketio, tag, redis_url=None, tick_seconds=1.0, on_count=None):
        self.socketio = socketio
        self.tag = tag
        self.channel = f"svp:live:{tag}"
        self.host_id = uuid.uuid4().hex
        self.tick_seconds = tick_seconds
        self.on_count = on_count  # fn(meeting_id, total): keeps the peak
        self._redis = None
        if redis_url:
            import redis
            self._redis = redis.Redis.from_url(redis_url)
        self._lock = threading.RLock()
        self._post_locks = defaultdict(threading.Lock)
        self._post_locks_guard = threading.Lock()
        self._members = defaultdict(set)  # meeting -> sids in its room here
        self._pending = {}  # (sid, meeting) -> items buffered while catching up
        self._joined = defaultdict(set)  # sid -> meetings
        self._last_sent = {}  # meeting -> viewer total last broadcast here
        self._peak = defaultdict(int)
        self._unsaved_peaks = set()  # meetings whose new high ``on_count`` has not been given yet
        self._started = False
        self._start_guard = threading.Lock()

    # ----------------------------------------------------------- posting side
    @contextmanager
    def posting(self, meeting_id):
        """Serialise take-number → commit → publish for one meeting, across processes."""
        with self._post_locks_guard:
            lock = self._post_locks[meeting_id]
        with lock:
            if self._redis is None:
                yield
                return
            rlock = self._redis.lock(f"{self.channel}:post:{meeting_id}", timeout=30, blocking_timeout=30)
            if not rlock.acquire():
                raise Conflict("busy", "系统繁忙，请稍后再试。", 503)
            try:
                yield
            finally:
                try:
                    rlock.release()
                except Exception:  # expired lock: the next poster already holds a fresh one
                    log.warning("posting lock for meeting %s had expired", meeting_id)

    def publish(self, event, meeting_id, payload):
        """Hand a committed item (or a moderation notice) to every process's viewers."""
        message = {"event": event, "meeting": meeting_id, "payload": payload}
        if self._redis is None:
            self._deliver(message)
        else:
            self._redis.publish(self.channel, json.dumps(message, ensure_ascii=False))

    def _deliver(self, message):
        event, meeting_id, payload = message["event"], message["meeting"], message["payload"]
        with self._lock:
            if event == "item":
                for (sid, mid), buffer in self._pending.items():
                    if mid == meeting_id:
                        buffer.append(payload)
                self._emit("item", payload, room(meeting_id))
            else:
                self._emit(event, payload, host_room(meeting_id))

    def _emit(self, event, payload, to):
        self.socketio.server.emit(event, payload, to=to, namespace=NAMESPACE, ignore_queue=True)

    # ------------------------------------------------------------ viewer side
    def join(self, sid, meeting_id, last_seq, backlog, as_host=False):
        """Send ``sid`` every item after ``last_seq`` in order, then make it a live member.

        ``backlog(after)`` yields committed item payloads in sequence order.
        Returns the last sequence number sent.
        """
        self.start()
        key = (sid, meeting_id)
        with self._lock:
            self._leave_locked(sid, meeting_id)
            self._pending[key] = []
        try:
            sent = last_seq
            for item in backlog(last_seq):
                if item["seq"] > sent:
                    self._emit("item", item, sid)
                    sent = item["seq"]
            with self._lock:
                for item in self._pending.pop(key):
                    if item["seq"] > sent:
                        self._emit("item", item, sid)
                        sent = item["seq"]
                self.socketio.server.enter_room(sid, room(meeting_id), namespace=NAMESPACE)
                if as_host:
                    self.socketio.server.enter_room(sid, host_room(meeting_id), namespace=NAMESPACE)
                self._members[meeting_id].add(sid)
                self._joined[sid].add(meeting_id)
        except Exception:
            with self._lock:
                self._pending.pop(key, None)
            raise
        return sent

    def _leave_locked(self, sid, meeting_id):
        self._pending.pop((sid, meeting_id), None)
        if sid in self._members.get(meeting_id, ()):
            self._members[meeting_id].discard(sid)
            for name in (room(meeting_id), host_room(meeting_id)):
                self.socketio.server.leave_room(sid, name, namespace=NAMESPACE)
        self._joined[sid].discard(meeting_id)

    def leave(self, sid, meeting_id):
        with self._lock:
            self._leave_locked(sid, meeting_id)

    def disconnect(self, sid):
        with self._lock:
            for meeting_id in list(self._joined.pop(sid, ())):
                self._members[meeting_id].discard(sid)
            for key in [k for k in self._pending if k[0] == sid]:
                del self._pending[key]

    # ----------------------------------------------------------- viewer count
    def viewers(self, meeting_id):
        """Viewers of a meeting across every process sharing this deployment."""
        local = len(self._members.get(meeting_id, ()))
        if self._redis is None:
            return local
        key = f"{self.channel}:viewers:{meeting_id}"
        pipe = self._redis.pipeline()
        pipe.set(f"{self.channel}:alive:{self.host_id}", 1, ex=HEARTBEAT_SECONDS)
        pipe.hset(key, self.host_id, local)
        pipe.expire(key, 24 * 3600)
        pipe.hgetall(key)
        counts = pipe.execute()[-1]
        hosts = [h.decode() for h in counts]
        alive = self._redis.mget([f"{self.channel}:alive:{h}" for h in hosts]) if hosts else []
        total = 0
        for host, is_alive in zip(hosts, alive):
            if is_alive is None:
                self._redis.hdel(key, host)
            else:
                total += int(counts[host.encode()])
        return total

    def _tick_once(self):
        with self._lock:
            meetings = [m for m, sids in self._members.items() if sids] + list(self._last_sent)
        for meeting_id in set(meetings):
            total = self.viewers(meeting_id)
            if total != self._last_sent.get(meeting_id):
                with self._lock:
                    self._emit("viewers", {"meeting": meeting_id, "count": total}, room(meeting_id))
                if total:
                    self._last_sent[meeting_id] = total
                else:
                    self._last_sent.pop(meeting_id, None)
            self.note_count(meeting_id, total)
        self.save_peaks()

    def note_count(self, meeting_id, total):
        """Keep a new high of viewers; the ticker gives it to ``on_count`` (which writes the meeting's peak) at
        most once a tick. A join writes nothing: 3,000 viewers joining at once were 3,000 writers of one row,
        and SQLite's lock refused hundreds of their joins."""
        with self._lock:
            if total > self._peak[meeting_id]:
                self._peak[meeting_id] = total
                self._unsaved_peaks.add(meeting_id)

    def peak(self, meeting_id):
        """The most viewers this process has seen at once in the meeting."""
        return self._peak[meeting_id]

    def save_peaks(self):
        with self._lock:
            unsaved, self._unsaved_peaks = self._unsaved_peaks, set()
        for meeting_id in unsaved:
            if self.on_count:
                try:
                    self.on_count(meeting_id, self._peak[meeting_id])
                except Exception:  # kept for the next tick: a refused write must not lose the high
                    log.exception("saving the viewer peak of meeting %s failed; the next tick retries", meeting_id)
                    with self._lock:
                        self._unsaved_peaks.add(meeting_id)

    def _ticker(self):
        while True:
            time.sleep(self.tick_seconds)
            try:
                self._tick_once()
            except Exception:
                log.exception("viewer count update failed")

    # ------------------------------------------------------------- lifecycle
    def start(self):
        """Subscribe to the channel (confirmed before returning) and start the counter, once."""
        with self._start_guard:
            if self._started:
                return
            if self._redis is not None:
                pubsub = self._subscribe()
                threading.Thread(target=self._listen, args=(pubsub,), daemon=True,
                                 name="live-listener").start()
            threading.Thread(target=self._ticker, daemon=True, name="live-viewers").start()
            self._started = True

    def _subscribe(self):
        pubsub = self._redis.pubsub()
        pubsub.subscribe(self.channel)
        deadline = time.time() + 10
        while time.time() < deadline:
            message = pubsub.get_message(timeout=1)
            if message and message["type"] == "subscribe":
                return pubsub
        raise RuntimeError("Redis did not confirm the live channel subscription")

    def _listen(self, pubsub):
        while True:
            try:
                for message in pubsub.listen():
                    if message["type"] == "message":
                        self._deliver(json.loads(message["data"]))
            except Exception:
                # Items published while we were away are recovered by clients: they
                # see a gap in sequence numbers and join again with their last_seq.
                log.exception("live channel listener failed; resubscribing")
                time.sleep(1)
                try:
                    pubsub = self._subscribe()
                except Exception:
                    log.exception("resubscribe failed")
