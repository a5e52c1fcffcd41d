"""Errors a service raises; views turn them into a Chinese message, the API into JSON."""
from portal.core.i18n import N_

CHINESE_SEPARATOR = "、"


def fill(template, params, translate=None, separator=CHINESE_SEPARATOR):
    """``template`` filled with ``params``; ``translate`` (if given) applied to text values.

    A list or tuple value (the states a transition starts from, the kinds a field accepts)
    is translated item by item and joined with ``separator``, so "草稿、已退回" becomes
    "draft, returned" in English instead of one untranslatable string.
    """
    if not params:
        return template

    def value(v):
        if isinstance(v, (list, tuple)):
            return separator.join(str(value(item)) for item in v)
        if isinstance(v, str) and v and translate is not None:  # gettext("") is the header
            return translate(v)
        return v
    return template % {name: value(v) for name, v in params.items()}



class PortalError(Exception):
    """``message`` is a Chinese message id; with ``params`` it is a ``%(name)s`` template.

    Keeping the template and its values apart lets the API answer in English on
    request: the template is looked up in the catalogue, then filled
    (``portal.core.api.error_response``).
    """
    status = 400

    def __init__(self, code, message, status=None, **params):
        self.code = code
        self.template = message
        self.params = params
        self.message = fill(message, params)
        super().__init__(self.message)
        if status is not None:
            self.status = status


class ValidationError(PortalError):
    status = 400


class PermissionDenied(PortalError):
    status = 403

    def __init__(self, code="forbidden", message=N_("您没有权限执行此操作。"), **params):
        super().__init__(code, message, **params)


class NotFound(PortalError):
    status = 404

    def __init__(self, code="not_found", message=N_("找不到该记录。"), **params):
        super().__init__(code, message, **params)


class Conflict(PortalError):
    status = 409
