from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="portal_home"),
    path("exposure/", views.exposure_list, name="portal_exposure"),
    path("exposure/<int:pk>/", views.exposure_detail, name="portal_exposure_detail"),
    path("photos/<int:pk>/<str:variant>.jpg", views.photo, name="portal_photo"),
    path("assessment/", views.assess_list, name="portal_assess"),
    path("assessment/<int:pk>/", views.assess_round, name="portal_assess_round"),
    path("programs/", views.program_list, name="portal_programs"),
    path("programs/<int:pk>/", views.program_detail, name="portal_program"),
    path("programs/<int:program_pk>/tasks/<int:pk>/", views.task_detail, name="portal_task"),
    path("shishi/", views.shishi_list, name="portal_shishi"),
    path("shishi/<int:pk>/", views.shishi_detail, name="portal_shishi_detail"),
    path("tasks/<int:pk>/rate/", views.rate, name="portal_rate"),
    path("track/", views.track, name="portal_track"),
]
