from django.conf import settings


def luoshi(request):
    return {"SITE_NAME": settings.LUOSHI_SITE_NAME}
