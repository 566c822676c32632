import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_django = get_wsgi_application()


def _refuse_the_demo_key() -> None:
    """A server (gunicorn, runserver) with DEBUG off and no SECRET_KEY would sign sessions and password-reset
    links with the public demo key: it does not start. `make demo` sets LUOSHI_ALLOW_DEMO_KEY=1."""
    from django.core.exceptions import ImproperlyConfigured

    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY and not settings.DEBUG and not settings.LUOSHI_ALLOW_DEMO_KEY:
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：生产环境不能使用公开的演示密钥，请设置环境变量 SECRET_KEY（见 docs/deployment.md）。"
            " SECRET_KEY is not set: refusing to serve on the public demo key (set SECRET_KEY, or "
            "LUOSHI_ALLOW_DEMO_KEY=1 for a local demo).")


def _warm_up() -> None:
    """Load now what a new worker process would otherwise load during its first requests: every module behind
    the URLs (the views import the Excel, Word and PDF libraries: ~1.5 s), every template compiled (175 files,
    ~2 s), both languages' translations and reverse URL lookups, and cn2an (Chinese numerals). Without this, the
    first page of each kind a worker served took up to 1–3 s (the miss pattern's max, docs/benchmarks.md, issue #11
    session 7). Nothing here opens the database (runserver and other importers load this module too). A template
    that does not compile is logged and left for its page to report, as before."""
    import logging

    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018  imports every urls module and the views behind them
    for engine in engines.all():
        env = getattr(engine, "env", None)
        if env is None:  # Django's own engine (the admin's pages) compiles on use
            continue
        for name in env.list_templates():
            try:
                env.get_template(name)
            except Exception:  # a server that cannot compile one file still starts; that page reports it, as before
                logging.getLogger(__name__).exception("template %s does not compile", name)
    resolver = get_resolver()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            translation.gettext("首页")
            # the reverse lookups (`reverse`, `{{ url() }}`) are built per language on first use: ~100 ms
            resolver.reverse_dict  # noqa: B018
    # cn2an, imported on first use, compiles its patterns when imported: ~0.2 s in the first overview a worker served
    from luoshi.core.numerals import parse_int, to_chinese

    parse_int("十二")
    to_chinese(12)


_refuse_the_demo_key()
if settings.LUOSHI_WARM_UP:  # off in the test suite, which imports this module in its workers
    _warm_up()
    # What was loaded so far lives as long as the process: out of the garbage collector's sight (gc.freeze), or
    # every full collection walks it all again (~70 ms with the templates loaded, holding every thread of the worker).
    gc.collect()
    gc.freeze()
_first_request_done = False


def application(environ, start_response):
    """Django, plus one thing: after the first request, what it loaded for good (the database connection, the
    settings' lazy objects, caches of the ORM and of the translation machinery) is frozen too (gc.freeze)."""
    global _first_request_done
    response = _django(environ, start_response)
    if not _first_request_done:
        _first_request_done = True
        gc.collect()
        gc.freeze()
    return response
