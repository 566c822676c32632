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
