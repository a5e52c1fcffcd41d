"""Errors a service raises; views turn them into a Chinese message, the API into JSON."""
from portal.core.i18n import N_



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
        self.message = message % params if params else message
        super().__init__(self.message)
        if status is not None:
            self.status = status


class ValidationError(PortalError):
    status = 400


class PermissionDenied(PortalError):
    status = 403

    def __init__(self, code="forbidden", message=N_("您没有权限执行此操作。")):
        super().__init__(code, message)


class NotFound(PortalError):
    status = 404

    def __init__(self, code="not_found", message=N_("找不到该记录。")):
        super().__init__(code, message)


class Conflict(PortalError):
    status = 409
