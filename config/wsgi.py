import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_django = get_wsgi_application()


def _refuse_the_demo_key() -> None:
    """A server (gunicorn, runserver) with DEBUG off and no SECRET_KEY would sign sessions and password-reset
    links with the public demo key: it does not start. `make demo` sets LUOSHI_ALLOW_DEMO_KEY=1."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY and not settings.DEBUG and not settings.LUOSHI_ALLOW_DEMO_KEY:
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：生产环境不能使用公开的演示密钥，请设置环境变量 SECRET_KEY（见 docs/deployment.md）。"
            " SECRET_KEY is not set: refusing to serve on the public demo key (set SECRET_KEY, or "
            "LUOSHI_ALLOW_DEMO_KEY=1 for a local demo).")


_refuse_the_demo_key()
_warm = False


def application(environ, start_response):
    """Django, plus one thing: after the first request has loaded templates, translations and caches, those
    long-lived objects are moved out of the garbage collector's sight (gc.freeze). Otherwise every few
    requests a full collection walks them all again, adding ~80 ms to that request (measured on the score
    card; docs/benchmarks-assessment.md)."""
    global _warm
    response = _django(environ, start_response)
    if not _warm:
        _warm = True
        gc.collect()
        gc.freeze()
    return response
