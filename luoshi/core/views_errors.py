from django.shortcuts import render
from django.utils.translation import gettext as _


def forbidden(request, exception=None):
    return render(request, "403.html", {"message": str(exception or "") or _("您没有权限访问此页面。")}, status=403)


def not_found(request, exception=None):
    message = exception.args[0] if exception and exception.args and isinstance(exception.args[0], str) else _("页面不存在。")
    return render(request, "404.html", {"message": message}, status=404)
