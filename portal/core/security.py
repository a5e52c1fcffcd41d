"""Web security in one place: headers on every response, the real client address
behind the configured reverse proxies, the origins a WebSocket may come from, and
the only ``next`` targets a sign-in may redirect to."""
import re
from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self' ws: wss:",
    "font-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])

# Browsers drop tabs and newlines anywhere in a URL and read "\" as "/", so
# "/\t/evil.example" and "/\\evil.example" both become "//evil.example".
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def init_app(app):
    """Headers on every response; with ``PORTAL_PROXIES`` = n, trust the last n proxies'
    X-Forwarded-For/-Proto/-Host, so per-address sign-in throttling sees the real client."""
    proxies = int(app.config.get("PORTAL_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


def safe_next(target, default):
    """``target`` when it is a path on this site, else ``default``.

    Only a relative path survives: it starts with one "/", carries no scheme or
    host once parsed, and no character a browser would drop or turn into a
    slash (so no reading of it can reach another host).
    """
    if not isinstance(target, str) or not target.startswith("/") or _UNSAFE_IN_NEXT.search(target):
        return default
    if target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    return target


def _split(value):
    return [v.strip().rstrip("/") for v in re.split(r"[\s,]+", value or "") if v.strip()]


def origin_check(app):
    """The Socket.IO origin check: a callable engine.io calls with the Origin header.

    Allowed: ``PORTAL_BASE_URL``'s origin, the ``PORTAL_ALLOWED_ORIGINS`` list,
    and — when no base URL is configured — the origin of the host the request
    came to (http or https). ``null`` and every other site are refused. A client
    without an Origin header (not a browser: it cannot carry a victim's cookie
    unasked) is not checked here; it signs in with a bearer token or not at all.
    """
    configured = set(_split(app.config.get("PORTAL_ALLOWED_ORIGINS")))
    base = (app.config.get("PORTAL_BASE_URL") or "").rstrip("/")
    if base:
        parts = urlsplit(base)
        configured.add(f"{parts.scheme}://{parts.netloc}")
    proxies = int(app.config.get("PORTAL_PROXIES") or 0)

    def allowed(origin, environ=None):
        origin = (origin or "").rstrip("/")
        if origin in configured:
            return True
        if base or environ is None:
            return False
        host = environ.get("HTTP_HOST", "")
        if proxies and environ.get("HTTP_X_FORWARDED_HOST"):
            host = environ["HTTP_X_FORWARDED_HOST"].split(",")[-proxies].strip()
        return bool(host) and origin in (f"http://{host}", f"https://{host}")
    return allowed
