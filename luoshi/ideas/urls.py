from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="ideas_index"),
    path("score/", views.expert_queue, name="ideas_queue"),
    path("campaigns/new/", views.campaign_new, name="ideas_campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="ideas_campaign"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="ideas_campaign_edit"),
    path("campaigns/<int:pk>/experts/", views.campaign_experts, name="ideas_campaign_experts"),
    path("campaigns/<int:pk>/stats/", views.campaign_stats, name="ideas_campaign_stats"),
    path("campaigns/<int:pk>/ideas.xlsx", views.campaign_export, name="ideas_campaign_export"),
    path("<int:pk>/", views.idea_detail, name="ideas_idea"),
    path("<int:pk>/screen/", views.idea_screen, name="ideas_screen"),
    path("<int:pk>/score/", views.idea_score, name="ideas_score"),
    path("<int:pk>/decide/", views.idea_decide, name="ideas_decide"),
    path("<int:pk>/award/", views.idea_award, name="ideas_award"),
    path("<int:pk>/task/", views.idea_task, name="ideas_task"),
]
