"""The demo county's dashboard: every figure computed once the other domains loaded their records."""
from flask import current_app

from portal.dashboard import precompute


def load(ctx):
    precompute.rebuild(current_app._get_current_object())
