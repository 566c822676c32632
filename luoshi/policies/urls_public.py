from django.urls import path

from . import views_public

urlpatterns = [
    path("", views_public.search, name="portal_policies"),
    path("<int:pk>/", views_public.clause, name="portal_policy_clause"),
]
