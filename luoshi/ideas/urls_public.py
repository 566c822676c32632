from django.urls import path

from . import views_public

urlpatterns = [
    path("", views_public.idea_list, name="portal_ideas"),
    path("new/", views_public.idea_new, name="portal_idea_new"),
    path("new/done/", views_public.idea_done, name="portal_idea_done"),
    path("track/", views_public.idea_track, name="portal_idea_track"),
]
