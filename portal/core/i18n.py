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
from jinja2 import pass_context
from markupsafe import Markup, escape

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


def catalogue_sources(locale_dir):
    """The .po files of one locale, ``messages.po`` first, then the domains' in name order."""
    return sorted(Path(locale_dir).glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))


def merged_catalog(locale_dir):
    """All .po files of a locale as one catalogue (a message translated twice keeps the first)."""
    catalog = None
    for po_path in catalogue_sources(locale_dir):
        with po_path.open("rb") as fh:
            part = read_po(fh)
        if catalog is None:
            catalog = part
            continue
        for message in part:
            if message.id and message.string and not (message.id in catalog and catalog[message.id].string):
                catalog[message.id] = message
    return catalog


def compile_catalogs(target):
    """Compile the .po files of each locale under SOURCE_DIR into one ``messages.mo`` in ``target``.

    A locale may hold several catalogues (``messages.po`` and one per domain, e.g. ``ledger.po``),
    so domains built side by side never edit the same file; they are merged (``merged_catalog``).
    """
    for locale_dir in SOURCE_DIR.glob("*/LC_MESSAGES"):
        sources = catalogue_sources(locale_dir)
        if not sources:
            continue
        out = Path(target) / locale_dir.relative_to(SOURCE_DIR) / "messages.mo"
        newest = max(p.stat().st_mtime for p in sources)
        if out.exists() and out.stat().st_mtime >= newest:
            continue
        catalog = merged_catalog(locale_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
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


@pass_context
def _template_gettext(context, text, **variables):
    """Templates' ``_()``: %-formats only when given variables, so a label from data that holds
    "%" (a rule's "超过20%") translates instead of raising "incomplete format". A translation
    from our catalogues is trusted as Jinja trusts it; text that found none may be data, so it
    is escaped."""
    if not text:
        return text
    text = str(text)
    rv = get_translations().gettext(text)
    if context.eval_ctx.autoescape:
        rv = Markup(rv) if rv != text else escape(rv)
    return rv % variables if variables else rv


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
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)

    @app.after_request
    def _remember_locale(response):
        wanted = request.args.get("lang")
        if wanted in LOCALES:
            response.set_cookie(LOCALE_COOKIE, wanted, max_age=365 * 86400, samesite="Lax")
        return response

    @app.context_processor
    def _locale():
        return {"current_locale": select_locale()}
