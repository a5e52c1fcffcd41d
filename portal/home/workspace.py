"""The signed-in user's workspace (工作台): one page per role with what waits for them.

Each domain contributes panels for the roles it serves by registering
``provider(user) -> [panel, ...]``; the registry lives on the app
(``app.extensions["workspace_panels"]``) so two apps never share it. A panel
is ``{"key", "title", "count", "rows", "more", "empty"}``; a row is
``{"title", "url", "meta", "note", "action": {"label", "url", "post"}, "alert"}`` —
shown in red when ``alert`` (overdue);
the action is the record's next step as a button.
"""
from flask import current_app

KEY = "workspace_panels"


def register(app, provider):
    """Add a domain's panel provider; called from the domain's ``setup``."""
    app.extensions.setdefault(KEY, []).append(provider)


def panels_for(user):
    out = []
    for provider in current_app.extensions.get(KEY, []):
        out.extend(provider(user))
    return out


def panel(key, title, rows, more=None, empty=None, count=None):
    return {"key": key, "title": title, "rows": rows, "count": len(rows) if count is None else count,
            "more": more, "empty": empty}


def row(title, url, meta="", note="", action=None, alert=False):
    return {"title": title, "url": url, "meta": meta, "note": note, "action": action, "alert": alert}


def action(label, url, post=False):
    return {"label": label, "url": url, "post": post}
