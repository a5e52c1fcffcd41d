"""Start the portal: ``python run.py [--host H] [--port P] [--instance DIR] [--no-demo]``.

Creates the instance (database, secret key, index) when missing, loads the demo
county into an empty database unless --no-demo, and serves HTTP and Socket.IO
on gevent's production WSGI server (see ``portal/server.py`` and
docs/deploy.md). Errors a person can fix (port taken, instance not writable)
are one line and exit code 1.
"""
from gevent import monkey

monkey.patch_all()  # first, before anything imports socket, threading, ssl or time

import argparse  # noqa: E402 (the patch above must come first)
import errno  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

SEARCH_FOLLOW_SECONDS = float(os.environ.get("PORTAL_SEARCH_FOLLOW_SECONDS", "0.5"))


def _port_free(host, port):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description="阳光村务 · Sunlight Village Portal")
    parser.add_argument("--host", default=os.environ.get("PORTAL_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORTAL_PORT", "5000")))
    parser.add_argument("--instance", default=None, help="instance folder (default $PORTAL_INSTANCE or ./instance)")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo county into an empty database")
    args = parser.parse_args(argv)

    problem = _port_free(args.host, args.port)
    if problem is not None:
        reason = "already in use" if problem == errno.EADDRINUSE else os.strerror(problem)
        print(f"error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1

    from portal.health import logs
    logs.configure()
    from portal import create_app, server
    from portal.config import InstanceError
    try:
        app = create_app(instance=args.instance)
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    from portal.core.db import connection
    from portal.core.db import database
    from portal.demo import DEMO_PASSWORD, demo_accounts, load_demo
    server.cooperate(database.obj)
    with app.app_context(), connection():
        loaded = False if args.no_demo else load_demo()
        accounts = demo_accounts() if loaded else []
    if "search" in app.extensions:
        with app.app_context():
            app.extensions["search"].start_catch_up()
        if SEARCH_FOLLOW_SECONDS > 0:
            app.extensions["search"].follow(SEARCH_FOLLOW_SECONDS)
    url = f"http://{args.host}:{args.port}/"
    print(f"阳光村务 portal on {url}  (instance: {app.config['INSTANCE_DIR']})", flush=True)
    if loaded:
        print(f"demo county loaded; demo-only accounts, password {DEMO_PASSWORD}:")
        for username, role, unit in accounts:
            print(f"  {username:22} {role:10} {unit}")
    sys.stdout.flush()
    # What start-up built (app, dictionaries, indexes) lives for the whole process: keep the cyclic
    # collector from rescanning it, so a meeting with a thousand viewers sees no long GC pauses.
    gc.collect()
    gc.freeze()
    server.serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
