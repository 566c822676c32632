"""Small helpers shared by the browser tests."""


def watch(page):
    """Collect JS errors, server errors and missing static files seen by the page."""
    problems = []
    page.on("pageerror", lambda e: problems.append(f"JS error: {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 500 or (r.status >= 400 and "/static/" in r.url) else None)
    return problems


def settled(page):
    """Wait until the page has loaded and run its scripts. A tap that navigates returns once the new page has
    started to arrive; choosing a photo or submitting a form before the page's script has set the form up
    races with it (the photo list, or the background send, is not there yet)."""
    page.wait_for_load_state("load")


def nav_to(page, name: str) -> None:
    """Follow the header link `name`: it sits in a menu (base.html), opened first — on a phone by 菜单, on a desktop
    by the menu that holds it."""
    nav = page.locator("nav.mainnav")
    toggle = nav.locator(".navtoggle")
    if toggle.is_visible():
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
    else:
        link = page.get_by_role("link", name=name, exact=True, include_hidden=True)  # `has` is read inside each menu
        nav.locator("details.navgroup", has=link).locator("summary").click()
    nav.get_by_role("link", name=name, exact=True).click()
