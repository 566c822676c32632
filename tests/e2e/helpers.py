"""Small helpers shared by the browser tests."""


def watch(page):
    """Collect JS errors, server errors and missing static files seen by the page."""
    problems = []
    page.on("pageerror", lambda e: problems.append(f"JS error: {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 500 or (r.status >= 400 and "/static/" in r.url) else None)
    return problems
