"""The audit tables join the portal's schema (they live in ``audit.models``)."""
from audit.models import MODELS

__all__ = ["MODELS"]
