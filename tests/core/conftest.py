"""Helpers for the core tests: a real server for an app with a domain the test declares."""
import threading


def serve_with(tmp_path, DOMAIN, holder=None, **config):
    """A real HTTP server on 127.0.0.1 (in a thread) for an app with one extra domain, two villages
    and a clerk in each; yields (base url, {clerk: auth header}); ``holder["app"]`` gets the app."""
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.accounts.services import create_token, create_user
    from portal.core.db import connection
    from portal.units.services import create_unit
    app = create_app({"TESTING": True, "INSTANCE_DIR": str(tmp_path), "SEARCH_SYNC": True, **config},
                     extra_domains=[DOMAIN])
    with app.app_context(), connection():
        create_unit(None, "350528000000", "清源县", "county")
        create_unit(None, "350528100000", "南岭镇", "township", "350528000000")
        for code in ("350528100200", "350528100210"):
            create_unit(None, code, "后溪村" if code.endswith("200") else "石埕村", "village", "350528100000")
        tokens = {name: create_token(create_user(name, "clerk", unit)[0])
                  for name, unit in (("clerk_a", "350528100200"), ("clerk_b", "350528100210"))}
    if holder is not None:
        holder["app"] = app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
    server.shutdown()
