from django.urls import path

from . import views_public

urlpatterns = [
    path("", views_public.public_list, name="case_public_list"),
    path("<int:pk>/", views_public.public_detail, name="case_public_detail"),
]
