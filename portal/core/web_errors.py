"""Errors as pages (Chinese) or as JSON objects for /api/ paths; never a bare 500 page."""
import logging

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.core.api import error_response, localized
from portal.core.errors import PortalError
from portal.core.i18n import N_
from portal.core.privacy import is_untraced

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("bad_request", N_("请求有误。")),
    401: ("unauthorized", N_("请先登录。")),
    403: ("forbidden", N_("您没有权限执行此操作。")),
    404: ("not_found", N_("找不到您要的页面或记录。")),
    405: ("method_not_allowed", N_("不支持这种请求方式。")),
    413: ("too_large", N_("上传内容太大。")),
    429: ("too_many_requests", N_("操作太频繁，请稍后再试。")),
    500: ("internal_error", N_("服务器出错了，请稍后再试。")),
}


def wants_json():
    return request.path.startswith("/api/")


def render_error(status, code, message, params=None):
    if wants_json():
        return error_response(code, message, status, params)
    return render_template("error.html", status=status, message=localized(message, params)), status


def init_app(app):
    @app.errorhandler(PortalError)
    def _portal_error(exc):
        return render_error(exc.status, exc.code, exc.template, exc.params)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, "csrf_failed", N_("页面已过期或表单来源无效，请刷新页面后重试。"))

    @app.errorhandler(HTTPException)
    def _http(exc):
        code, message = MESSAGES.get(exc.code, ("http_error", exc.description or "请求有误。"))
        return render_error(exc.code, code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if is_untraced():  # its traceback's messages may quote what a reporter sent
            log.error("unhandled %s on an untraced request", type(exc).__name__)
        else:
            log.exception("unhandled error on %s", request.path)
        code, message = MESSAGES[500]
        return render_error(500, code, message)
