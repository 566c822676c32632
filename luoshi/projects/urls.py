from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="projects_index"),
    path("challenges/", views.challenge_list, name="projects_challenges"),
    path("challenges/new/", views.challenge_new, name="projects_challenge_new"),
    path("challenges/<int:pk>/", views.challenge_detail, name="projects_challenge"),
    path("p/<int:pk>/", views.project_detail, name="projects_detail"),
    path("p/<int:pk>/month/", views.month_report, name="projects_month"),
    path("p/<int:pk>/phase/", views.phase_report, name="projects_phase"),
    path("p/<int:pk>/issue/", views.issue_raise, name="projects_issue"),
    path("p/<int:pk>/issue/<int:issue_pk>/assign/", views.issue_assign, name="projects_issue_assign"),
    path("p/<int:pk>/rate/", views.project_rate, name="projects_rate"),
    path("p/<int:pk>/publish/", views.project_publish, name="projects_publish"),
    path("<slug:code>/", views.project_list, name="projects_list"),
    path("<slug:code>/figures/", views.figures_page, name="projects_figures"),
    path("<slug:code>/feed/", views.assessment_feed, name="projects_feed"),
    path("<slug:code>/import/", views.project_import, name="projects_import"),
]
