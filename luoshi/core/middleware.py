class ChineseFirstMiddleware:
    """Pages open in 简体中文 unless the user chose another language with the switch (which sets the
    language cookie). A browser's Accept-Language is ignored for pages, since an intranet PC's browser
    language says nothing about the user's choice; API clients may still ask with the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Sends settings.LUOSHI_CSP as the Content-Security-Policy of every page (no inline scripts run, nothing
    loads from another site). The interactive API docs (/api/docs, django-ninja's Swagger page with its own
    inline script) get none; a response that set its own policy keeps it."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = getattr(settings, "LUOSHI_CSP", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and not request.path_info.startswith("/api/docs") \
                and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response

API_PREFIXES = ("api", "open311")  # first path segments whose 405 answers stay as the API wrote them


def _is_api(url_path: str) -> bool:
    return url_path.lstrip("/").split("/", 1)[0] in API_PREFIXES


class MethodNotAllowedPage:
    """A GET on a form's submit address (a bookmarked or reloaded POST target) answers 405 with an empty body from
    `require_POST`: a blank page. Pages get a readable 405 instead — what happened and a link back to the page the
    form lives on; the API keeps its own JSON answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or _is_api(request.path):
            return response
        from django.shortcuts import render

        back = request.path.rstrip("/").rsplit("/", 1)[0] + "/"
        page = render(request, "405.html", {"back": back}, status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
