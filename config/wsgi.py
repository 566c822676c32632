import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_django = get_wsgi_application()
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
