"""A person chooses English on their account page: the interface switches at once, a message written for them is in
English, and after signing out and in again — in a fresh browser whose own language is Chinese — the interface is
English from the first page."""
import re

from django.utils.translation import gettext
from playwright.sync_api import expect

from .helpers import watch
from .test_task_flow import PASSWORD, login


def test_a_person_chooses_english_and_keeps_it_at_the_next_sign_in(transactional_db, live_server, cast, program,
                                                                   new_page):
    from luoshi.core.notify import notify_people
    from luoshi.org.models import Person

    base = live_server.url
    page = new_page()
    problems = watch(page)
    login(page, base, cast["liaison_a"].username)
    page.get_by_role("link", name="修改密码").click()
    expect(page.get_by_role("heading", name="修改密码", level=1)).to_be_visible()
    page.locator("#language").get_by_label("语言").select_option("en")
    page.get_by_role("button", name="保存语言").click()
    expect(page.get_by_role("status")).to_have_text("Language set to English.")
    expect(page.get_by_role("heading", name="Change password", level=1)).to_be_visible()
    assert Person.objects.get(pk=cast["liaison_a"].pk).language == "en"

    # something written for them now, from a Chinese context, reaches them in English
    notify_people([cast["liaison_a"].pk], kind="test", title=lambda: gettext("修改密码"), dedup_key="e2e-language")
    page.goto(f"{base}/notifications/")
    expect(page.locator("main")).to_contain_text("Change password")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    fresh = new_page()  # a new browser: its own (Chinese) language, no cookie
    fresh.goto(f"{base}/accounts/login/")
    fresh.get_by_label("用户名").fill(cast["liaison_a"].username)
    fresh.get_by_label("密码").fill(PASSWORD)
    fresh.get_by_role("button", name="登录").click()
    expect(fresh.get_by_role("link", name="Change password")).to_be_visible()
    expect(fresh.locator("html")).to_have_attribute("lang", "en")
    assert not problems
