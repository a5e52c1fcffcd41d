"""The records a meeting is about (关联记录), chosen from a list and shown as links.

A domain offers its records with ``register_link_source(app, type, label,
choices, url)``: ``choices(village) -> [(id, title)]`` lists what a clerk may
link, ``url(id)`` where a resident reads it. The sources live on the app. A
link of a type no domain offers (e.g. a bid before the bids domain exists) is
shown with its Chinese type name and title, never a raw type code.
"""
from flask import current_app

from portal.core.i18n import N_

KEY = "meeting_link_sources"
TYPE_NAMES = {"publication": N_("公开记录"), "bid": N_("招投标项目"), "appeal": N_("群众诉求"),
              "seal": N_("用章记录"), "ledger": N_("三资账目")}


def register_link_source(app, link_type, label, choices, url):
    app.extensions.setdefault(KEY, {})[link_type] = {"label": label, "choices": choices, "url": url}


def _sources():
    return current_app.extensions.get(KEY, {})


def choices_for(village):
    """``[(value, label)]`` for the form's list; a value is ``type:id``."""
    out = []
    for link_type, source in _sources().items():
        for object_id, title in source["choices"](village):
            out.append((f"{link_type}:{object_id}", title))
    return out


def rows_from(values, choices):
    """The chosen values as ``{"type", "id", "title"}`` rows for the service (unknown values dropped)."""
    titles = dict(choices)
    rows = []
    for value in values or []:
        if value in titles:
            link_type, _, object_id = value.partition(":")
            rows.append({"type": link_type, "id": object_id, "title": titles[value]})
    return rows


def shown(link):
    """``{"type_name", "title", "url"}`` for a stored link."""
    source = _sources().get(link.get("type"))
    url = None
    if source is not None:
        try:
            url = source["url"](link.get("id"))
        except (ValueError, LookupError):
            url = None
    type_name = source["label"] if source else TYPE_NAMES.get(link.get("type"), N_("相关记录"))
    return {"type_name": type_name, "title": link.get("title") or link.get("id"), "url": url,
            "id": link.get("id")}
