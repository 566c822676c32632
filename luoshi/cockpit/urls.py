from django.urls import path

from . import views

urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("<slug:panel>/<slug:key>/", views.cockpit_drill, name="cockpit_drill"),
]
