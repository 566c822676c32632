"""The template engine (luoshi.core.jinja, ADR 0043) reads templates the way Django's templates did: a dict's key
before an attribute, callables called, dates and numbers localized, unknown names empty — and translates with the same
message ids."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import defaultfilters, engines
from hypothesis import example, given, strategies as st
from markupsafe import Markup, escape
from django.utils import translation


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


class Thing:
    label = "属性"

    def __init__(self):
        self.calls = 0

    def count(self):
        self.calls += 1
        return 3

    def needs_an_argument(self, x):
        return x

    def broken(self):
        return len(None)  # a TypeError inside the method

    def delete(self):
        raise AssertionError("a template must not call what alters data")

    delete.alters_data = True  # type: ignore[attr-defined]


class Kind:
    do_not_call_in_templates = True

    def __call__(self):
        raise AssertionError("called")

    name = "种类"


def test_a_dicts_key_comes_before_its_attribute():
    assert render("{{ row.items }}|{{ row.code }}", row={"items": "键", "code": "A1"}) == "键|A1"


def test_callables_are_called_unless_they_say_not_to_or_alter_data():
    thing = Thing()
    assert render("{{ t.count }} {{ t.label }}", t=thing) == "3 属性" and thing.calls == 1
    assert render("[{{ t.needs_an_argument }}][{{ t.delete }}]", t=thing) == "[][]"
    assert render("{{ k.name }}", k=Kind()) == "种类"
    with pytest.raises(TypeError):  # an error inside a method is not hidden as "needs arguments"
        render("{{ t.broken }}", t=thing)
    assert render("{% for k, v in d.items %}{{ k }}={{ v }};{% endfor %}", d={"a": 1, "b": 2}) == "a=1;b=2;"


def test_unknown_names_show_nothing_and_can_be_looked_into():
    assert render("[{{ nothing }}][{{ nothing.at.all }}][{{ row.missing }}]", row={}) == "[][][]"
    assert render("{% if nothing is none %}无{% endif %}{% if 0 is none %}零{% endif %}") == "无"
    assert render("{{ '' | default('—') }} {{ 0 | default('—') }} {{ nothing | default('—') }} {{ 5 | default('—') }}") \
        == "— — — 5"


@pytest.mark.parametrize("language, expected", [("zh-hans", "2026年12月5日 08:30|2026年12月5日|2.50|7"),
                                                ("en", "Dec. 5, 2026, 8:30 a.m.|Dec. 5, 2026|2.50|7")])
def test_dates_and_numbers_print_localized_in_the_readers_time_zone(language, expected):
    moment = dt.datetime(2026, 12, 5, 0, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Asia/Shanghai
    with translation.override(language):
        assert render("{{ m }}|{{ d }}|{{ x }}|{{ n }}", m=moment, d=dt.date(2026, 12, 5), x=Decimal("2.50"), n=7) \
            == expected


def test_text_is_escaped_and_translations_use_djangos_message_ids():
    assert render("{{ s }}", s="<b>&") == "&lt;b&gt;&amp;"
    with translation.override("en"):
        assert render('{{ _("工作台") }}') == "Workbench"
        # a {% trans %} block has the message id Django's {% blocktranslate count %} had: %(n)s placeholders
        html = render("{% trans n=errors|length %}共 {{ n }} 处问题，未导入任何数据：{% pluralize n %}"
                      "共 {{ n }} 处问题，未导入任何数据：{% endtrans %}", errors=["a", "b"])
        assert "2" in html and "共" not in html
        # a variable inside a translation is escaped, the translation itself is not changed
        assert render("{% trans name=v %}欢迎，{{ name }}{% endtrans %}", v="<x>") == "欢迎，&lt;x&gt;"


def test_url_static_and_django_filters():
    assert render("{{ url('workbench') }}") == "/"
    assert render("{{ static('app.css') }}").endswith("app.css")
    assert render("{{ s|linebreaksbr }}", s="a<\nb") == "a&lt;<br>b"
    assert render("{{ s|truncatechars(5) }}", s="一二三四五六七") == defaultfilters.truncatechars("一二三四五六七", 5)
    assert render("{{ xs|join('、') }}", xs=["<a>", "b"]) == "&lt;a&gt;、b"


@given(st.one_of(st.text(), st.integers(), st.decimals(allow_nan=False, allow_infinity=False, places=2),
                 st.none(), st.booleans(), st.text().map(Markup), st.dates(), st.floats(allow_nan=False)))
@example("'\"<>& 中文")
@example(Markup("<b>'</b>"))
def test_a_written_value_is_the_text_of_escape_after_finalize(value):
    """`{{ value }}` compiles to `environment.output(value)` (ADR 0061): the same characters as Jinja2's
    `escape(environment.finalize(value))` for text, numbers, Markup, None, dates; in a template and alone."""
    from luoshi.core.jinja import _finalize, output

    with translation.override("zh-hans"):
        expected = str(escape(_finalize(value)))
        assert output(value) == expected
        assert render("<i title=\"{{ v }}\">{{ v }}</i>", v=value) == f'<i title="{expected}">{expected}</i>'


def test_values_are_written_by_one_call_and_autoescape_off_writes_them_as_they_are():
    env = engines["jinja2"].env
    code = env.compile("{{ a }}{{ b.c }}", raw=True)
    assert code.count("environment.output(") == 2 and "escape(" not in code
    assert render("{{ a }}{% autoescape false %}{{ a }}{% endautoescape %}", a="<&'\">") == \
        "&lt;&amp;&#39;&#34;&gt;<&'\">"
    text = engines["jinja2"].env.overlay(autoescape=False).from_string("{{ a }}").render(a="<b>")
    assert text == "<b>"
