"""Helpers for the reports tests: a PDF carrying a marker, byte scans of files and folders."""
from pathlib import Path

import pytest

from portal.reports.demo import DEMO_PASSPHRASE

PASS = DEMO_PASSPHRASE


def pdf_with(marker):
    """A small valid-looking PDF whose bytes contain ``marker`` (check_file types it by its magic)."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + marker.encode() +
            b"\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def files_containing(root, needles):
    """Every file under ``root`` whose bytes contain one of ``needles`` (bytes), as {path: [needle]}."""
    found = {}
    for path in Path(root).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits = [n for n in needles if n in data]
            if hits:
                found[str(path)] = hits
    return found


def encodings(text):
    """The forms a marker could take in a file: UTF-8, UTF-16 (SQLite may store either), JSON-escaped,
    hex (how pg_dump writes bytea) and base64 (how the audit API carries leaves)."""
    import base64
    import json
    raw = text.encode()
    return [raw, text.encode("utf-16-le"), json.dumps(text).encode()[1:-1], raw.hex().encode(),
            base64.b64encode(raw)[:-4]]


@pytest.fixture
def inspectors(module_server):
    return {name: {"Authorization": f"Bearer {module_server.token(name)}"}
            for name in ("inspector_100", "inspector_001", "inspector_county", "admin")}
