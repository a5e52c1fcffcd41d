"""Independent checks of what we publish: the 1.1.5 schemas by jsonschema, ids, codelists."""
import csv
import datetime
import json
import os

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from portal.projects.ocds import SCHEMA_DIR, release_schema

RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


def _load(name):
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as fh:
        return json.load(fh)


def codelist(name):
    with open(os.path.join(SCHEMA_DIR, "codelists", name), encoding="utf-8") as fh:
        return {row["Code"] for row in csv.DictReader(fh)}


def _registry():
    """The release schema as published (1.1.5) plus the bid extension's ``bids`` we declare."""
    schema = dict(release_schema(), id=RELEASE_URL)
    return Registry().with_resource(RELEASE_URL, Resource.from_contents(schema, default_specification=DRAFT4))


def validate_release_package(package):
    schema = _load("release-package-schema.json")
    validator = jsonschema.Draft4Validator(schema, registry=_registry(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    check_ids_and_codes(package["releases"])


def validate_release(release):
    validator = jsonschema.Draft4Validator(release_schema(), format_checker=jsonschema.FormatChecker())
    errors = list(validator.iter_errors(release))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def validate_record_package(package):
    """No record-package schema is in the reference folder: its envelope is checked here by hand, every
    release and every compiled release against the 1.1.5 release schema."""
    for key in ("uri", "publisher", "publishedDate", "records", "version"):
        assert key in package, key
    datetime.datetime.fromisoformat(package["publishedDate"])
    for record in package["records"]:
        assert record["releases"] and all(r["ocid"] == record["ocid"] for r in record["releases"])
        for release in record["releases"]:
            validate_release(release)
        validate_release(record["compiledRelease"])
        assert record["compiledRelease"]["ocid"] == record["ocid"]
        check_ids_and_codes(record["releases"])


def check_ids_and_codes(releases):
    pairs = [(r["ocid"], r["id"]) for r in releases]
    assert len(pairs) == len(set(pairs)), "(ocid, id) not unique"
    tags, methods, roles = codelist("releaseTag.csv"), codelist("method.csv"), codelist("partyRole.csv")
    milestone_types, statuses = codelist("milestoneType.csv"), codelist("tenderStatus.csv")
    for r in releases:
        assert set(r["tag"]) <= tags, r["tag"]
        assert r["ocid"].startswith("ocds-")
        tender = r.get("tender", {})
        if "procurementMethod" in tender:
            assert tender["procurementMethod"] in methods
        if "status" in tender:
            assert tender["status"] in statuses
        for party in r.get("parties", []):
            assert set(party["roles"]) <= roles, party["roles"]
        for c in r.get("contracts", []):
            for m in c.get("milestones", []):
                assert m["type"] in milestone_types
        for value in _values(r):
            assert value["currency"] == "CNY"


def _values(obj):
    if isinstance(obj, dict):
        if "currency" in obj and "amount" in obj:
            yield obj
        for v in obj.values():
            yield from _values(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _values(v)
