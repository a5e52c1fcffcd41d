"""What every JSON API handler shares: the error shape, bearer tokens, paging."""
import functools

from flask import g, jsonify, request
from flask_babel import get_locale, get_translations

from portal.core import registry
from portal.core.errors import CHINESE_SEPARATOR, PermissionDenied, PortalError, ValidationError, fill
from portal.core.i18n import N_


def localized(message, params=None):
    """``message`` (a Chinese message id) in the request's language, filled with ``params``.

    Text values among the params (field labels) are translated too; numbers stay as they are;
    a list is translated item by item and joined as the language joins a list.
    """
    translate = get_translations().gettext
    text = translate(message)
    separator = CHINESE_SEPARATOR if str(get_locale() or "zh").startswith("zh") else ", "
    return fill(text, params, translate, separator)


def error_response(code, message, status, params=None):
    """The one error object ``{"error": {"code", "message"}}``, the message in the request's language."""
    return jsonify({"error": {"code": code, "message": localized(message, params)}}), status


def portal_error_response(exc):
    return error_response(exc.code, exc.template, exc.status, exc.params)


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
            return error_response(code, N_("需要有效的访问令牌（Authorization: Bearer …）。"), 401)
        return view(*args, **kwargs)
    return wrapped


def json_body(max_fields=50):
    """The request's JSON object, or a ValidationError."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # JSON nested thousands deep: the parser gives up, the client gets a 400
        data = None
    if not isinstance(data, dict):
        raise ValidationError("bad_json", N_("请求体必须是JSON对象。"))
    if len(data) > max_fields:
        raise ValidationError("too_many_fields", N_("请求体字段过多。"))
    return data


def pages_for(total, per_page):
    """How many pages a list of ``total`` items has (at least 1, so page 1 always exists)."""
    return max(1, -(-total // per_page))


def int_arg(name, default=None, minimum=0, maximum=None):
    """An integer query argument, range-checked, or a ValidationError naming it.

    The default stands in for an absent argument only: a value given is always checked.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ValidationError(f"missing_{name}", N_("缺少参数 %(name)s。"), name=name)
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError(f"bad_{name}", N_("参数 %(name)s 必须是非负整数。"), name=name)
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise ValidationError(f"bad_{name}", N_("参数 %(name)s 超出范围（%(minimum)s–%(maximum)s）。"), name=name,
                              minimum=minimum, maximum=maximum)
    return value


def register_api_errors(bp):
    """JSON errors for a blueprint's handlers, whatever goes wrong inside them."""
    @bp.errorhandler(PortalError)
    def _portal_error(exc):
        return portal_error_response(exc)

    @bp.errorhandler(PermissionDenied)
    def _denied(exc):
        return error_response(exc.code, exc.template, 403, exc.params)
