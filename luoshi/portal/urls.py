from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="portal_home"),
    path("exposure/", views.exposure_list, name="portal_exposure"),
    path("exposure/<int:pk>/", views.exposure_detail, name="portal_exposure_detail"),
    path("photos/<int:pk>/<str:variant>.jpg", views.photo, name="portal_photo"),
    path("assessment/", views.assess_list, name="portal_assess"),
    path("assessment/<int:pk>/", views.assess_round, name="portal_assess_round"),
]
