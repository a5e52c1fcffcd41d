"""Read-side queries shared by pages, the API, feeds and search (public rows only unless asked)."""
import datetime

from portal.publications.categories import PUBLIC_STATUSES
from portal.core.clock import utc_range
from portal.publications.models import Objection, PowerItem, Publication

PER_PAGE = 20


def public_query(village=None, category=None, year=None, status=None, power_category=None, power=None):
    """Public versions, newest first, filtered; ``status`` one of PUBLIC_STATUSES or None for all."""
    query = Publication.select().where(Publication.status.in_(PUBLIC_STATUSES))
    if village is not None:
        query = query.where(Publication.village == village)
    if category:
        query = query.where(Publication.category == category)
    if status in PUBLIC_STATUSES:
        query = query.where(Publication.status == status)
    if year:
        start, end = utc_range(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        query = query.where((Publication.published_at >= start) & (Publication.published_at < end))
    if power:
        query = query.where(Publication.power == power)
    if power_category:
        query = query.join(PowerItem, on=(Publication.power == PowerItem.code)).where(
            PowerItem.category == power_category)
    return query.order_by(Publication.published_at.desc(), Publication.id.desc())


def first_published_query(village_codes, first_day, last_day):
    """Records (series) first made public between two local days, newest first: corrections are not new
    records (the dashboard's 本月公开 / 本年公开 count these)."""
    start, end = utc_range(first_day, last_day)
    return (Publication.select().where(
        Publication.village.in_(list(village_codes)) & (Publication.version == 1)
        & Publication.status.in_(PUBLIC_STATUSES)
        & (Publication.published_at >= start) & (Publication.published_at < end))
        .order_by(Publication.published_at.desc(), Publication.id.desc()))


def unanswered_objections_query(village_codes):
    """Objections let through to the public and still without the clerk's answer, oldest first (with their
    records): the dashboard's 异议未答复 counts them."""
    return (Objection.select(Objection, Publication).join(Publication)
            .where(Publication.village.in_(list(village_codes)) & (Objection.status == "shown")
                   & Objection.answered_at.is_null())
            .order_by(Objection.created_at, Objection.id))


def page_of(query, page, per_page=PER_PAGE):
    total = query.count()
    return list(query.paginate(page, per_page)), total


def versions_of(pub, include_drafts=False):
    query = Publication.select().where(Publication.series == pub.series)
    if not include_drafts:
        query = query.where(Publication.status.in_(PUBLIC_STATUSES))
    return list(query.order_by(Publication.version))


def superseded_by(pub):
    return Publication.get_or_none((Publication.supersedes == pub) & (Publication.status.in_(PUBLIC_STATUSES)))


def staff_queue(village):
    """Drafts, returned and approved records of a village, for its clerk and supervisors."""
    return list(Publication.select().where((Publication.village == village) &
                                           (Publication.status.in_(("draft", "returned", "approved"))))
                .order_by(Publication.updated_at.desc()))


def years_of(village):
    rows = Publication.select(Publication.published_at).where(
        (Publication.village == village) & (Publication.status.in_(PUBLIC_STATUSES)))
    return sorted({r.published_at.year for r in rows if r.published_at}, reverse=True)
