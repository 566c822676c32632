"""The unit picker (core.widgets.UnitPicker, org.views.unit_search, issue #12 §4): a name that several units share is
offered once per unit with the units above it, and what a choice writes names exactly one unit for every resolver
the forms use."""
from __future__ import annotations

import pytest
from django.urls import reverse

from luoshi.org.resolve import UnitResolver
from luoshi.org.selectors import unit_choices
from luoshi.org.services import unit_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(city):
    """区财政局 in two districts, and one 区行政审批服务局."""
    return {"laoshan": unit_create(by=None, name="区财政局", kind="department", parent=city["district"]),
            "shinan": unit_create(by=None, name="区财政局", kind="department", parent=city["other_district"])}


def test_a_repeated_name_is_offered_with_its_path_and_written_as_a_path(city, finance):
    choices = {c.id: c for c in unit_choices("区财政")}
    assert set(choices) == {finance["laoshan"].pk, finance["shinan"].pk}
    assert choices[finance["laoshan"].pk].above == "崂山区" and choices[finance["shinan"].pk].above == "市南区"
    assert choices[finance["laoshan"].pk].value == "崂山区>区财政局"
    only = unit_choices("审批")
    assert [(c.name, c.value) for c in only] == [("区行政审批服务局", "区行政审批服务局")]  # unique: its name


def test_what_a_choice_writes_resolves_to_that_unit(city, finance):
    """The task and ledger forms read the box with UnitResolver; a repeated name alone is refused as ambiguous."""
    resolver = UnitResolver(city["city"])
    units, errors = resolver.resolve("区财政局")
    assert not units and "同名" in errors[0]
    for unit in finance.values():
        value = next(c.value for c in unit_choices("区财政局") if c.id == unit.pk)
        assert resolver.resolve(value) == ([unit], [])
    units, errors = resolver.resolve("中韩街道、市南区>区财政局")  # several in one box
    assert units == [city["street_a"], finance["shinan"]] and not errors


def test_the_last_name_of_a_box_is_searched(city, finance):
    assert [c.name for c in unit_choices("中韩街道、沙子")] == ["沙子口街道"]
    assert unit_choices("中韩街道、") == [] and unit_choices("") == []


def test_the_search_answers_a_signed_in_person_only(city, cast, finance, client, client_for):
    url = reverse("unit_search") + "?field=lead_units&lead_units=区财政&listbox=id_lead_units-options"
    assert client.get(url).status_code == 302
    html = client_for(cast["liaison_a"]).get(url).content.decode()
    assert html.count('role="option"') == 2 and 'data-value="崂山区&gt;区财政局"' in html
    assert 'id="id_lead_units-options-1"' in html and "<small>市南区</small>" in html
    none = client_for(cast["liaison_a"]).get(reverse("unit_search") + "?field=q&q=不存在的单位").content.decode()
    assert "没有名称含此文字的单位" in none


def test_the_widget_is_a_combobox_that_htmx_fills(city):
    from luoshi.core.widgets import UnitPicker

    html = UnitPicker(multiple=True).render("coop_units", "中韩街道")
    for attr in ('role="combobox"', 'aria-controls="id_coop_units-options"', 'aria-expanded="false"',
                 'data-unit-picker="multiple"', f'hx-get="{reverse("unit_search")}"', 'value="中韩街道"',
                 '<ul id="id_coop_units-options" role="listbox"'):
        assert attr in html, attr
    assert "http" not in html  # no CDN: the search is the site's own
    import html as html_lib
    import json
    import re

    vals = re.search(r'hx-vals="([^"]*)"', html).group(1)  # quoted properly, and JSON htmx can read
    assert json.loads(html_lib.unescape(vals)) == {"field": "coop_units", "listbox": "id_coop_units-options"}


def test_every_form_that_names_a_unit_uses_the_picker():
    from luoshi.core.widgets import UnitPicker
    from luoshi.instructions.forms import InstructionForm
    from luoshi.ledger.forms import FindingForm
    from luoshi.org.forms import GrantForm, PersonForm
    from luoshi.tasks.forms import TaskForm

    boxes = [(TaskForm, "lead_units"), (TaskForm, "coop_units"), (FindingForm, "unit"), (PersonForm, "unit"),
             (GrantForm, "unit"), (InstructionForm, "other_units")]
    assert all(isinstance(form.base_fields[name].widget, UnitPicker) for form, name in boxes)
