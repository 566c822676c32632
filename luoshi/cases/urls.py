from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("feed/", views.case_feed, name="case_feed"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/files/<int:att_pk>/", views.case_file, name="case_file"),
]
