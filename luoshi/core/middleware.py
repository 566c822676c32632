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
