"""What core.context_processors computes once per page instead of at every use in the templates: the CSRF token,
the translation behind `_()`, the header menus' labels. The pages must read as before."""
from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from luoshi.core import context_processors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rendered_every_time(settings):
    settings.LUOSHI_PAGE_CACHE = False


def test_a_page_prints_one_masked_csrf_token_and_its_forms_post_with_it(cast):
    """base.html prints the token three times (hx-headers, the language and sign-out forms): one masked token, as
    Django's own templates print it, and the forms still pass the CSRF check."""
    c = Client(enforce_csrf_checks=True)
    c.force_login(cast["office"])
    page = c.get(reverse("program_list"))
    assert page.status_code == 200
    html = page.content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html) + \
        re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    assert len(tokens) >= 3 and len(set(tokens)) == 1
    assert html.count('<input type="hidden" name="csrfmiddlewaretoken" value="') >= 2
    answer = c.post(reverse("set_language"), {"csrfmiddlewaretoken": tokens[0], "language": "en", "next": "/"})
    assert answer.status_code == 302
    refused = Client(enforce_csrf_checks=True)
    refused.force_login(cast["office"])
    refused.get(reverse("program_list"))
    assert refused.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 403


def test_a_page_masks_a_new_token_each_time(cast):
    """Still one per page, not one per process: two pages never print the same masked form (BREACH)."""
    c = Client()
    c.force_login(cast["office"])
    first, second = (re.search(r'"X-CSRFToken": "([^"]+)"', c.get(reverse("program_list")).content.decode()).group(1)
                     for _ in range(2))
    assert first != second


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("message", ["工作台", "退出", "（未分类）", "没有这条消息", "", "甲\r\n乙", mark_safe("退出")])
def test_the_pages_gettext_is_djangos(language, message):
    with translation.override(language):
        ours = context_processors.page_gettext()(message)
        theirs = translation.gettext(message)
    assert ours == theirs and type(ours) is type(theirs)
    assert isinstance(ours, SafeString) == isinstance(message, SafeString)


def test_the_pages_gettext_is_the_pages_language():
    with translation.override("en"):
        english = context_processors.page_gettext()
    with translation.override("zh-hans"):
        assert english("退出") == "Sign out" and context_processors.page_gettext()("退出") == "退出"


def test_the_menus_labels_are_text_in_the_pages_language():
    with translation.override("en"):
        groups = context_processors.nav_groups_for(["office"], is_admin=False, urls=context_processors.nav_urls(),
                                                   section="")
    labels = [g.label for g in groups] + [link.label for g in groups for link in g.links]
    assert all(type(label) is str for label in labels)
    assert "Work" in labels and "Workbench" in labels
