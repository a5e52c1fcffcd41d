"""What every JSON API handler shares: the error shape, bearer tokens, paging."""
import functools

from flask import g, jsonify, request

from portal.core import registry
from portal.core.errors import PermissionDenied, PortalError, ValidationError


def error_response(code, message, status):
    return jsonify({"error": {"code": code, "message": message}}), status


def api_user():
    """The user behind the request's bearer token, or None (checked once per request)."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        g.api_user = registry.of().provided["token_user"](token) if token else None
        g.api_token_given = bool(header)
    return g.api_user


def token_required(view):
    """Reject a write without a valid bearer token with 401 before the handler runs."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if api_user() is None:
            code = "invalid_token" if g.api_token_given else "token_required"
            return error_response(code, "需要有效的访问令牌（Authorization: Bearer …）。", 401)
        return view(*args, **kwargs)
    return wrapped


def json_body(max_fields=50):
    """The request's JSON object, or a ValidationError."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("bad_json", "请求体必须是JSON对象。")
    if len(data) > max_fields:
        raise ValidationError("too_many_fields", "请求体字段过多。")
    return data


def int_arg(name, default=None, minimum=0, maximum=None):
    """An integer query argument, range-checked, or a ValidationError naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ValidationError(f"missing_{name}", f"缺少参数 {name}。")
        return default
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError(f"bad_{name}", f"参数 {name} 必须是非负整数。")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise ValidationError(f"bad_{name}", f"参数 {name} 超出范围（{minimum}–{maximum}）。")
    return value


def register_api_errors(bp):
    """JSON errors for a blueprint's handlers, whatever goes wrong inside them."""
    @bp.errorhandler(PortalError)
    def _portal_error(exc):
        return error_response(exc.code, exc.message, exc.status)

    @bp.errorhandler(PermissionDenied)
    def _denied(exc):
        return error_response(exc.code, exc.message, 403)
