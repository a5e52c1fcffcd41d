"""The village page's "publications" and "powers" sections."""
from flask import url_for
from flask_babel import gettext as _
from peewee import fn

from portal.publications import duties
from portal.publications.categories import CATEGORIES, STATUSES
from portal.core.clock import local_text
from portal.publications.models import PowerItem, Publication
from portal.publications.queries import public_query


def latest_publications(village):
    """Duty status first (so an overdue duty is seen), then the newest public records."""
    items = []
    counts = duties.summary(duties.duty_status(village))
    if any(counts.values()):
        items.append({"title": _("公开责任：按时%(met)s项，待公开%(due)s项，逾期%(overdue)s项", **counts),
                      "url": url_for("publications.village_duties", code=village.code), "meta": ""})
    for pub in public_query(village=village).limit(5):
        meta = f"{_(CATEGORIES.get(pub.category))} · {local_text(pub.published_at)}"
        if pub.status != "published":
            meta += f" · {_(STATUSES[pub.status])}"
        items.append({"title": pub.title_masked, "url": url_for("publications.detail", pub_id=pub.id),
                      "meta": meta})
    return items


def power_records(village):
    """The powers this village has exercised in public records, most used first."""
    rows = (PowerItem.select(PowerItem, fn.COUNT(Publication.id).alias("n"))
            .join(Publication, on=(Publication.power == PowerItem.code))
            .where((Publication.village == village) & (Publication.status.in_(("published", "withdrawn"))))
            .group_by(PowerItem.code).order_by(fn.COUNT(Publication.id).desc(), PowerItem.code))
    return [{"title": p.name, "url": url_for("publications.power_detail", code=p.code, village=village.code),
             "meta": _("%(n)s 条公开记录", n=p.n)} for p in rows]


def county_latest(limit):
    """The newest public records of the whole county, for the home page."""
    return [{"title": pub.title_masked, "url": url_for("publications.detail", pub_id=pub.id),
             "meta": f"{pub.village.name} · {_(CATEGORIES.get(pub.category))} · {local_text(pub.published_at)}"}
            for pub in public_query().limit(limit)]
