from django.urls import path

from . import views_public

urlpatterns = [
    path("", views_public.notice_list, name="portal_procedure_notices"),
    path("<int:pk>/", views_public.notice_detail, name="portal_procedure_notice"),
]
