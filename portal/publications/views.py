"""Publications pages: importing the route modules attaches them to ``bp``."""
from portal.publications import duty_admin, feeds, pages, staff_pages  # noqa: F401  (routes register on import)
from portal.publications.blueprint import bp

__all__ = ["bp"]
