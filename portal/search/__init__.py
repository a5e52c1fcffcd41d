"""Search over everything public: the portal's side of ``search_index``.

Domains declare ``search_sources`` in their descriptor; after a commit
they emit ``public.changed`` and the document is re-read through its source's
``document_for`` and indexed (or removed). The index is a projection: on start
it is rebuilt when missing or of an older schema, else caught up from the audit
log (``portal.auditlog.entries_after`` the last index it applied); ``flask --app
portal search rebuild`` rebuilds it by hand.
"""
