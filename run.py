"""Start the portal: ``python run.py [--host H] [--port P] [--instance DIR] [--no-demo]``.

Creates the instance (database, secret key, index) when missing, loads the demo
county into an empty database unless --no-demo, and serves HTTP and Socket.IO.
Errors a person can fix (port taken, instance not writable) are one line and
exit code 1.
"""
import argparse
import errno
import gc
import os
import socket
import sys


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

    from portal import create_app
    from portal.config import InstanceError
    try:
        app = create_app(instance=args.instance)
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    from portal.core.db import connection
    from portal.demo import DEMO_PASSWORD, demo_accounts, load_demo
    from portal.core.extensions import socketio
    with app.app_context(), connection():
        loaded = False if args.no_demo else load_demo()
        accounts = demo_accounts() if loaded else []
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
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True,
                 use_reloader=False, log_output=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
