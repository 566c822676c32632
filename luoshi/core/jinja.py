"""The project's one template engine: Jinja2, set up to read templates the way the Django templates it replaced did
(ADR 0043). Pages render the same HTML; a variable costs ~3 Python calls instead of ~15–35.

What is kept from the Django template language, so templates read as before:
- `a.b` looks a key up in a dict first (views hand templates plain dicts, ADR 0009) and calls what it finds when that
  is callable (`form.non_field_errors`, `field.label_tag`, `d.items`), as Django did, unless it says
  `do_not_call_in_templates`;
- `{{ value }}` shows dates, times and numbers localized, aware datetimes in the reader's time zone (`_finalize`);
- an unknown name or key shows as nothing and can be looked into further (`ChainableUndefined`);
- the filters and tags the templates used (`default` with Django's meaning: any false value; `date`, `linebreaksbr`,
  `truncatechars`, `floatformat`, …), `url()`, `static()`, `_()` and `{% trans %}` with the same message ids as
  `{% translate %}`/`{% blocktranslate %}`, so locale/en needs no change.

Each app's own filters and template functions live in `luoshi/<app>/jinja.py` as `FILTERS` and `GLOBALS`; they are
collected here at start-up (core sits below the apps, so it finds them by name, as Django found templatetags)."""
from __future__ import annotations

import datetime as dt
import importlib
import inspect
from decimal import Decimal

from django.conf import settings
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats as django_formats
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # (not in django-stubs)
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext
import markupsafe
from jinja2 import ChainableUndefined, Environment, Undefined
from jinja2.compiler import CodeGenerator
from markupsafe import escape

from luoshi.core import clock


# markupsafe's escaping of plain text, without wrapping the result in a Markup: the characters `escape` gives.
# (`escape(s)` is `Markup(_escape_inner(s))` for a str; a markupsafe without it falls back to `escape`.)
_escape_text = getattr(markupsafe, "_escape_inner", None) or (lambda text: str(escape(text)))


def output(value) -> str:
    """What `{{ value }}` writes in an autoescaped template: the text of `escape(_finalize(value))`. Text, the
    commonest value, is escaped without building a Markup object on the way (~0.4–0.8 µs each, a card writes ~1,650
    values); what is written is the same characters (the page joins its pieces into one text anyway)."""
    if type(value) is str:
        return _escape_text(value)
    return escape(_finalize(value))


class LuoshiCodeGenerator(CodeGenerator):
    """Jinja2's code generator, with `{{ value }}` in an autoescaped template compiled to one call,
    `environment.output(value)`, instead of `escape(environment.finalize(value))` (ADR 0061). Anything else (a
    template whose autoescaping changes inside it, one without autoescaping) compiles as Jinja2 compiles it."""

    def _fast(self, frame, finalize) -> bool:
        return (not frame.eval_ctx.volatile and frame.eval_ctx.autoescape
                and finalize.src == "environment.finalize(" and self.environment.finalize is _finalize)

    def _output_child_pre(self, node, frame, finalize) -> None:
        if self._fast(frame, finalize):
            self.write("environment.output(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node, frame, finalize) -> None:
        if self._fast(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class LuoshiEnvironment(Environment):
    code_generator_class = LuoshiCodeGenerator
    output = staticmethod(output)

    def getattr(self, obj, attribute):  # noqa: A003 — Jinja2's own name
        # Django's order: a dict's key before an attribute (`row.items` is the row's "items" key if it has one),
        # then call what was found. Plain dicts are what most lookups meet, so they go first and cheaply.
        if type(obj) is dict:
            try:
                value = obj[attribute]
            except KeyError:
                value = super().getattr(obj, attribute)
        else:
            value = super().getattr(obj, attribute)
        if callable(value) and not isinstance(value, Undefined) and not getattr(
                value, "do_not_call_in_templates", False):
            if getattr(value, "alters_data", False):
                return self.undefined(name=attribute)
            try:
                return value()
            except TypeError:
                try:  # a method that needs arguments shows nothing, as in Django; an error inside it is raised
                    inspect.signature(value).bind()
                except (TypeError, ValueError):
                    return self.undefined(name=attribute)
                raise
        return value


def _finalize(value):
    """What `{{ value }}` prints, as Django's templates printed it: dates and numbers localized, aware datetimes in
    the current time zone. Text and whole numbers (almost everything) pass through cheaply."""
    kind = type(value)
    if kind is str or kind is int:
        return value
    if isinstance(value, (dt.date, dt.time, float, Decimal)):
        return django_formats.localize(template_localtime(value))
    return value


def _default(value, fallback=""):
    """Django's `default`: the fallback for any false value (None, "", 0, []), not only for an undefined name."""
    return value or fallback


def _date(value, arg=None):
    if value in (None, ""):
        return ""
    return defaultfilters.date(template_localtime(value), arg)


def _linebreaksbr(value):
    return defaultfilters.linebreaksbr(value, autoescape=True)


def _join(value, arg):
    return defaultfilters.join(value, arg, autoescape=True)


def _is_none(value) -> bool:
    return value is None or isinstance(value, Undefined)


def url(viewname, *args, **kwargs) -> str:
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


def now(format_string: str) -> str:
    return defaultfilters.date(clock.localtime(clock.now()), format_string)


def widthratio(value, max_value, max_width) -> str:
    """Django's `{% widthratio %}`: value / max_value × max_width, rounded; "0" when max_value is 0."""
    try:
        value, max_value, max_width = float(value), float(max_value), int(max_width)
    except (TypeError, ValueError):
        return ""
    if max_value == 0:
        return "0"
    return str(round(value / max_value * max_width))


FILTERS = {
    "default": _default,
    "date": _date,
    "linebreaksbr": _linebreaksbr,
    "join": _join,
    "truncatechars": defaultfilters.truncatechars,
    "floatformat": defaultfilters.floatformat,
    "stringformat": defaultfilters.stringformat,
    "default_if_none": defaultfilters.default_if_none,
    "urlencode": defaultfilters.urlencode,
    "add": defaultfilters.add,
    "yesno": defaultfilters.yesno,
    "json_script": defaultfilters.json_script,
    "length": defaultfilters.length,
}

GLOBALS = {
    "url": url,
    "static": static,
    "now": now,
    "widthratio": widthratio,
    "get_current_language": get_language,
    "pgettext": pgettext,
    "npgettext": npgettext,
}


def _app_modules():
    for app in settings.INSTALLED_APPS:
        if app.startswith("luoshi.") and app != "luoshi.core":
            try:
                yield importlib.import_module(f"{app}.jinja")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.jinja":
                    raise


def environment(**options) -> Environment:
    # Django's backend passes its own choice of `undefined` (raising in DEBUG); pages show nothing for an unknown
    # name in every mode, as Django's templates did.
    options.update(undefined=ChainableUndefined, finalize=_finalize, keep_trailing_newline=True,
                   extensions=["jinja2.ext.i18n"])
    env = LuoshiEnvironment(**options)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    # `x is none` holds for an unknown name too: Django's templates read a missing variable as None
    env.tests["none"] = _is_none
    from luoshi.core import jinja_filters

    env.filters.update(jinja_filters.FILTERS)
    env.globals.update(jinja_filters.GLOBALS)
    for module in _app_modules():
        env.filters.update(getattr(module, "FILTERS", {}))
        env.globals.update(getattr(module, "GLOBALS", {}))
    return env
