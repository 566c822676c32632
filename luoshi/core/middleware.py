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
