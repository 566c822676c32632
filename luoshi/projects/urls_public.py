from django.urls import path

from . import views

urlpatterns = [
    path("", views.public_projects, name="projects_public"),
    path("<int:pk>/", views.public_project, name="projects_public_detail"),
    path("challenges/<int:pk>/", views.public_challenge, name="projects_public_challenge"),
    path("challenges/<int:pk>/verify/<int:app_pk>/", views.public_verify, name="projects_public_verify"),
]
