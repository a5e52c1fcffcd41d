"""Simplified Chinese by default, English on request.

Message ids are the Chinese texts themselves, so a string nobody translated yet
still shows correct Chinese rather than an English placeholder. The English
catalogue is compiled from its .po file into the instance folder at start-up
(compiled .mo files are build products and stay out of the repository).
"""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request
from flask_babel import get_translations

LOCALES = ("zh", "en")
LOCALE_COOKIE = "lang"
SOURCE_DIR = Path(__file__).parent.parent / "translations"


def N_(text):
    """Mark a Chinese constant for extraction without translating it here.

    Labels kept in module-level tables (roles, categories, statuses) must stay
    Chinese for the API and the audit log; pages translate them where they are
    shown with ``_(value)``. ``pybabel extract`` finds ``N_`` by default.
    """
    return text


def compile_catalogs(target):
    """Compile every .po under SOURCE_DIR into ``target`` when it is newer."""
    for po_path in SOURCE_DIR.glob("*/LC_MESSAGES/messages.po"):
        out = Path(target) / po_path.relative_to(SOURCE_DIR).with_suffix(".mo")
        if out.exists() and out.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        tmp = out.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(out)


def translate_label(text):
    """The ``tr`` template filter: look a data-driven label up, never %-format it.

    Jinja's ``_()`` always applies %-formatting, which would fail on a label
    that comes from data (a village name, a service's message) containing "%".
    """
    return get_translations().gettext(str(text)) if text else text


def select_locale():
    """``?lang=``, then the remembered cookie; API clients may also ask with ``Accept-Language``.

    Pages ignore ``Accept-Language``: a resident's phone set to English still gets the
    Chinese portal unless they pick English, as the product promises.
    """
    wanted = request.args.get("lang") or request.cookies.get(LOCALE_COOKIE)
    if wanted is None and request.path.startswith("/api/"):
        wanted = request.accept_languages.best_match(LOCALES)
    return wanted if wanted in LOCALES else "zh"


def init_app(app, babel):
    target = Path(app.config["INSTANCE_DIR"]) / "translations"
    compile_catalogs(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["tr"] = translate_label

    @app.after_request
    def _remember_locale(response):
        wanted = request.args.get("lang")
        if wanted in LOCALES:
            response.set_cookie(LOCALE_COOKIE, wanted, max_age=365 * 86400, samesite="Lax")
        return response

    @app.context_processor
    def _locale():
        return {"current_locale": select_locale()}
