"""Errors a service raises; views turn them into a Chinese message, the API into JSON."""
from portal.core.i18n import N_



class PortalError(Exception):
    status = 400

    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
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
