"""The village page's sections, one per capability in DESIGN.md.

A domain fills its section by declaring a ``Section`` whose provider returns a
list of items ``{"title", "url", "meta"}`` for a village (newest first); a
section with no provider or no items says plainly that nothing is published yet.
"""
from collections import OrderedDict

from flask import current_app, url_for

from portal.core import registry
from portal.core.i18n import N_

SECTIONS = OrderedDict([
    ("publications", N_("村务、党务、财务公开")),
    ("powers", N_("权力清单")),
    ("capitals", N_("三资（资金、资产、资源）")),
    ("bids", N_("小微工程招投标")),
    ("seals", N_("公章使用")),
    ("meetings", N_("议事直播")),
    ("appeals", N_("群众诉求")),
    ("reports", N_("我要举报")),
    ("followups", N_("督办")),
    ("dashboard", N_("数据看板")),
])


def _more_url(endpoint, village):
    """The full list's URL; its route names the village ``code`` or ``village_code``."""
    from werkzeug.routing import BuildError
    try:
        return url_for(endpoint, code=village.code)
    except BuildError:
        return url_for(endpoint, village_code=village.code)


def sections_for(village, limit=5):
    """Every section in order; a domain fills its own through ``Domain.sections``."""
    declared = registry.of().sections
    out = []
    for key, title in SECTIONS.items():
        section = declared.get(key)
        items, more = [], None
        if section:
            try:  # one domain's fault shows as an empty section, never as a broken village page
                items = section.provider(village)[:limit]
                more = _more_url(section.more_endpoint, village) if section.more_endpoint else None
            except Exception:  # noqa: BLE001
                current_app.logger.exception("village section %s failed for %s", key, village.code)
        out.append({"key": key, "title": title, "entries": items, "more": more})
    return out


# The county home page's "now" sections: the latest notices, the meetings live now.
HOME_SECTIONS = OrderedDict([("meetings", N_("正在直播的会议")), ("publications", N_("最新公开"))])
HOME_KEY = "home_providers"  # app.extensions key: the providers live on the app, like every registry


def register_home(app, key, provider):
    """``provider(limit) -> list of items`` across the county, newest first."""
    if key not in HOME_SECTIONS:
        raise KeyError(key)
    app.extensions.setdefault(HOME_KEY, {})[key] = provider


def home_sections(limit=6):
    providers = current_app.extensions.get(HOME_KEY, {})
    return [{"key": key, "title": title, "entries": providers[key](limit) if key in providers else []}
            for key, title in HOME_SECTIONS.items()]
