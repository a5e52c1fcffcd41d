"""The village page's 数据看板 section: the village's own figures, its township's comparison."""
from flask import url_for
from flask_babel import gettext as _

from portal.dashboard import queries


def village_section(village):
    """The section's entries, in the request's language (the village page shows them as given)."""
    rows = queries.rows_for([village.code])[village.code]
    out = [{"title": _("本村数据看板"), "url": url_for("dashboard.unit_page", code=village.code),
            "meta": _("公开、三资、工程、诉求等各项数字，每项可查到对应记录")}]
    if village.parent_id:
        out.append({"title": _("与同乡镇各村比较"), "url": url_for("dashboard.unit_page", code=village.parent_id),
                    "meta": _("列出数字，样本太少的不排名")})
    out.append({"title": _("关注本村（订阅、二维码、开放数据）"), "url": url_for("dashboard.follow", code=village.code),
                "meta": _("已计算 %(n)s 项数字", n=sum(1 for r in rows.values() if r.ok))})
    return out
