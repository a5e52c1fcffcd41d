"""The audit log: every public change hash-chained, Merkle-proven (RFC 6962), in signed checkpoints.

A library with no web framework inside: the portal binds ``audit.db.database``
to its own peewee Database and calls ``audit.log.append`` in its transactions;
``python -m audit verify`` checks a whole log from a database or a portal's API.
"""
