"""schemathesis against the real server: 0 server errors, 0 answers that break their documented schema.

The document is read from the running portal (``python run.py`` on loopback),
so what is checked is what a client generated from it meets. Every operation
is exercised with generated valid (positive) and invalid (negative) requests,
as anonymous and with a clerk's and an admin's bearer token, bounded in
examples and in time; then the edge cases issue 19 lists (huge ids, year 1 and
9999, ``from=0001-01-01``, lists and objects where a string is expected) are
sent explicitly. (schemathesis's ``negative_data_rejection`` is not run: an
empty query value means "no filter" here by design.) Failures are collected, not raised, so one run reports all of
them and Hypothesis spends no time shrinking.
"""
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from schemathesis.checks import not_a_server_error

from tests.api.conftest import VILLAGE

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 8
BUDGET_SECONDS = 70
BIG = "99999999999999999999999"


def _record(failures, label, case, exc):
    failures.append(f"{label} {case.method} {case.path} {case.path_parameters} query={case.query} body={str(case.body)[:200]}: "
                    f"{str(exc)[:600]}")


def _fuzz(operation, mode, headers, base_url, failures, label, deadline, sent):

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        if time.monotonic() > deadline:
            return
        sent.append(1)
        try:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=15)
        except BaseException as exc:  # noqa: BLE001 - every failure (groups too) is collected and reported
            _record(failures, f"[{label}/{mode.value}]", case, exc)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to make invalid (an operation without parameters or body, in negative mode)


def _edge_cases(operation):
    """The inputs issue 19 found 5xx with, for this operation."""
    path_ids = {p.name: BIG for p in operation.path_parameters if p.definition["schema"].get("type") == "integer"}
    strings = {p.name: p for p in operation.path_parameters if p.name not in path_ids}
    base = {name: VILLAGE for name in strings}
    if path_ids:
        yield {"path_parameters": dict(base, **path_ids)}
        yield {"path_parameters": dict(base, **{k: "2147483648" for k in path_ids})}
    existing = dict(base, **{k: "1" for k in path_ids})
    params = {p.name for p in operation.query}
    for value in ("1", "0", "9999", BIG):
        if "year" in params:
            yield {"path_parameters": existing, "query": {"year": value}}
    for name in ("from", "to"):
        if name in params:
            for value in ("0001-01-01", "9999-12-31", "2026-02-30"):
                yield {"path_parameters": existing, "query": {name: value}}
    for name in params & {"page", "limit", "start", "index", "size", "after", "before"}:
        yield {"path_parameters": existing, "query": {name: BIG}}
    body = operation.body
    for alternative in body:
        if alternative.media_type != "application/json":
            continue
        properties = alternative.definition["schema"].get("properties", {})
        for name in properties:
            for wrong in (["x"], {"x": 1}, 10**30, None):
                yield {"path_parameters": existing, "body": {name: wrong},
                       "media_type": "application/json"}


def test_api_conforms_to_its_openapi_document(server, tokens):
    base_url = server.url
    schema = schemathesis.openapi.from_url(base_url + "/api/v1/openapi.json")
    schema.config.base_url = base_url
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    actors = {"anonymous": {}, "clerk": {"Authorization": f"Bearer {tokens['clerk_houxi']}"},
              "admin": {"Authorization": f"Bearer {tokens['admin']}"}}
    failures, sent = [], []
    started = time.monotonic()
    deadline = started + BUDGET_SECONDS
    for label, headers in actors.items():
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, headers, base_url, failures, label, deadline, sent)
    edge_count = 0
    for operation in operations:
        for parts in _edge_cases(operation):
            case = operation.Case(**parts)
            edge_count += 1
            try:
                response = case.call_and_validate(base_url=base_url, headers=actors["clerk"], checks=CHECKS,
                                                  timeout=15)
            except BaseException as exc:  # noqa: BLE001
                _record(failures, "[edge]", case, exc)
                continue
            if not 400 <= response.status_code < 500 and parts.get("body") is not None:
                failures.append(f"[edge] {case.method} {case.path} {case.path_parameters} {parts}: {response.status_code}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: {len(sent)} generated and {edge_count} edge requests in {elapsed:.0f}s")
    assert len(sent) > 300 and edge_count > 100
    # The generated requests stop at the deadline and the edge cases are a fixed list, so the run is bounded
    # without a wall-clock assertion (a loaded machine makes it slower, not wrong).
    assert not failures, f"{len(failures)} failures in {elapsed:.0f}s:\n" + "\n".join(failures[:40])
    assert requests.get(base_url + "/api/v1/units", timeout=10).ok  # the server survived
