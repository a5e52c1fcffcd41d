"""Health checks and structured request logs: what an operator and nginx look at.

``/healthz`` says the process answers; ``/readyz`` says it can serve correctly
(database reachable, schema migrated, search index caught up, Redis reachable
when configured). Every request gets a request id (``X-Request-Id``, kept from
nginx when it sent a sane one) and one JSON log line.
"""
