"""``python -m audit verify``: check a log from its database or from a portal's public API.

    python -m audit verify --db DATABASE_URL [--checkpoint FILE --key VKEY]
    python -m audit verify --url https://portal.example/ [--checkpoint FILE] [--key VKEY] [--save FILE]

Exit status 0 when everything holds; 1 with ``FAIL index N: …`` naming the
first bad entry; 2 for bad usage.
"""
import argparse
import importlib
import sys
from pathlib import Path

from audit.verify import VerifyError, load_saved


def _load_sources(specs, url):
    from audit import sources
    if specs:
        for spec in specs:
            module, _, attr = spec.partition(":")
            getattr(importlib.import_module(module), attr or "load")(url)
        return specs
    return sources.load_entry_points(url)


def _verify_db(args):
    from audit import db as audit_db
    from audit.db import open_url
    loaded = [] if args.no_sources else _load_sources(args.sources, args.db)
    database = open_url(args.db)
    audit_db.database.initialize(database)
    saved = []
    if args.checkpoint:
        if not args.key:
            raise SystemExit("--checkpoint needs --key (the verifier key you trust)")
        saved.append(load_saved(Path(args.checkpoint).read_text(encoding="utf-8"), args.key))
    from audit.verify import verify_database
    with database.connection_context():
        size = verify_database(progress=not args.quiet, saved=saved)
    print(f"OK: {size} entries verified (sources: {', '.join(loaded) or 'none'})")


def _verify_url(args):
    from audit.remote import verify_remote
    saved = Path(args.checkpoint).read_text(encoding="utf-8") if args.checkpoint else None
    size, note = verify_remote(args.url, vkey=args.key, saved_note=saved, progress=not args.quiet)
    if args.save:
        Path(args.save).write_text(note, encoding="utf-8")
    print(f"OK: {size} entries verified against the signed checkpoint")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m audit", description="Verify an audit log.")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="verify a log from a database or a portal's public API")
    where = v.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="database URL (sqlite:///path or postgresql://…)")
    where.add_argument("--url", help="base URL of a running portal")
    v.add_argument("--checkpoint", help="a checkpoint note saved earlier: the log must extend it")
    v.add_argument("--key", help="verifier key to trust (name+keyid+base64)")
    v.add_argument("--save", help="with --url: save the verified checkpoint note here")
    v.add_argument("--sources", action="append", help="module:function loading payload sources "
                   "(default: the audit.sources entry points)")
    v.add_argument("--no-sources", action="store_true", help="do not re-derive payloads")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from audit import scan
    if scan.LOOP is None and not args.quiet:
        print("note: audit._scanloop is not built (reinstall with gcc and libssl-dev); the same checks run "
              "in Python, about twice as slow", file=sys.stderr)
    try:
        (_verify_db if args.db else _verify_url)(args)
    except VerifyError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
