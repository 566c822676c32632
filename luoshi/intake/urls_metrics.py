from django.urls import path

from . import views_metrics as views

urlpatterns = [
    path("", views.metrics_table, name="intake_metrics"),
    path("export.xlsx", views.metrics_export, name="intake_metrics_export"),
    path("units/<int:pk>/", views.metrics_unit, name="intake_metrics_unit"),
    path("hot/", views.hot_topics, name="intake_hot"),
    path("hot/promote/", views.topic_promote, name="intake_promote"),
    path("hot/recommend/", views.topic_recommend, name="intake_recommend"),
    path("promotions/", views.promotions, name="intake_promotions"),
]
