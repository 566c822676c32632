from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from luoshi.api.api import api
from luoshi.core import views as core_views
from luoshi.core.login import LanguageLoginView, LanguagePasswordResetForm, ThrottledAuthenticationForm
from luoshi.org import views as org_views
from luoshi.tasks import views_files as task_files, views_pairings as task_views_pairings

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("accounts/login/", LanguageLoginView.as_view(template_name="registration/login.html",
                                                      authentication_form=ThrottledAuthenticationForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # office users change their own password, or reset it by e-mail (templates in core/templates/registration)
    # the account page: the password, and the person's language (org.views.AccountView)
    path("accounts/password/", org_views.AccountView.as_view(), name="password_change"),
    path("accounts/language/", org_views.account_language, name="account_language"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="registration/password_done.html", extra_context={"message": _("密码已修改。")}),
        name="password_change_done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(
        template_name="registration/password_form.html", extra_context={"title": _("找回密码")},
        email_template_name="registration/password_reset_email.txt", form_class=LanguagePasswordResetForm,
        subject_template_name="registration/password_reset_subject.txt"), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="registration/password_done.html",
        extra_context={"message": _("如果该邮箱属于某个账号，重设密码的链接已发送到该邮箱。")}), name="password_reset_done"),
    path("accounts/password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="registration/password_form.html", extra_context={"title": _("设置新密码")}),
        name="password_reset_confirm"),
    path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="registration/password_done.html", extra_context={"message": _("新密码已设置，请登录。")}),
        name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("inbox/", core_views.inbox, name="inbox"),
    path("inbox/badge/", core_views.inbox_badge, name="inbox_badge"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("notifications/read/", core_views.notifications_read, name="notifications_read"),
    path("files/<int:pk>/", task_files.attachment_download, name="attachment_download"),
    path("units/", org_views.unit_tree, name="unit_tree"),
    path("units/import/", org_views.unit_import, name="unit_import"),
    path("units/search/", org_views.unit_search, name="unit_search"),
    path("people/", org_views.people_list, name="people_list"),
    path("people/new/", org_views.person_new, name="person_new"),
    path("people/import/", org_views.people_import, name="people_import"),
    path("people/<int:pk>/", org_views.person_edit, name="person_edit"),
    path("people/<int:pk>/grants/", org_views.person_grant_add, name="person_grant_add"),
    path("people/<int:pk>/grants/<int:grant_pk>/revoke/", org_views.person_grant_revoke, name="person_grant_revoke"),
    path("people/<int:pk>/password/", org_views.person_password, name="person_password"),
    path("pairings/", org_views.pairings, name="pairings"),
    path("pairings/<int:pk>/end/", org_views.pairing_end, name="pairing_end"),
    path("pairings/mine/", task_views_pairings.my_pairings, name="my_pairings"),
    path("", include("luoshi.documents.urls")),
    path("", include("luoshi.ledger.urls")),
    path("assess/", include("luoshi.assessment.urls")),
    path("open311/v2/", include("luoshi.intake.urls_open311")),
    path("requests/metrics/", include("luoshi.intake.urls_metrics")),
    path("requests/", include("luoshi.intake.urls")),
    path("ideas/", include("luoshi.ideas.urls")),
    path("cockpit/", include("luoshi.cockpit.urls")),
    path("instructions/", include("luoshi.instructions.urls")),
    path("public/requests/", include("luoshi.intake.urls_public")),
    path("public/ideas/", include("luoshi.ideas.urls_public")),
    path("projects/", include("luoshi.projects.urls")),
    path("public/projects/", include("luoshi.projects.urls_public")),
    path("cases/", include("luoshi.cases.urls")),
    path("public/cases/", include("luoshi.cases.urls_public")),
    path("procedures/", include("luoshi.procedures.urls")),
    path("public/procedures/", include("luoshi.procedures.urls_public")),
    path("policies/", include("luoshi.policies.urls")),
    path("public/policies/", include("luoshi.policies.urls_public")),
    path("public/", include("luoshi.portal.urls")),
    path("", include("luoshi.tasks.urls")),
]
handler403 = "luoshi.core.views_errors.forbidden"
handler404 = "luoshi.core.views_errors.not_found"

admin.site.login_form = ThrottledAuthenticationForm  # the same lock on /admin/ (core/login.py)
