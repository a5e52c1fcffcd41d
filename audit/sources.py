"""Re-deriving payloads from the records themselves.

An application registers, per object type, a function ``fn(entry) -> dict | None``
that rebuilds the payload of an entry from the rows as they are now (None: this
entry cannot be re-derived, e.g. a withdrawal, and is skipped; raising
``LookupError``: the record it describes is gone). ``verify`` compares the
canonical hash of what it returns with the entry's ``payload_sha256``.

An application that re-masks logged text (``audit.redaction``) registers its
masker, ``fn(text) -> text``, with ``register_masker``: ``verify`` passes the
fields a redaction names through it before comparing.

Applications are found through the Python entry point group ``audit.sources``:
each entry point names a callable ``load(database_url)`` that prepares the
application (binds its models) and calls ``register`` for its types.
"""
from importlib.metadata import entry_points

_sources = {}
_masker = []


def register(object_type, fn):
    _sources[object_type] = fn


def unregister(object_type):
    _sources.pop(object_type, None)


def get(object_type):
    return _sources.get(object_type)


def register_masker(fn):
    _masker[:] = [fn]


def masker():
    """The registered masker, or None."""
    return _masker[0] if _masker else None


def registered():
    return dict(_sources)


def load_entry_points(database_url):
    """Run every ``audit.sources`` entry point against ``database_url``; returns their names."""
    names = []
    for ep in entry_points(group="audit.sources"):
        ep.load()(database_url)
        names.append(ep.name)
    return names
