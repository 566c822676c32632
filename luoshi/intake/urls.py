from django.urls import path

from . import views

urlpatterns = [
    path("", views.intake_index, name="intake_index"),
    path("new/", views.intake_new, name="intake_new"),
    path("<int:pk>/", views.request_detail, name="intake_detail"),
    path("<int:pk>/extensions/<int:ext>/decide/", views.request_extension_decide, name="intake_extension_decide"),
    path("<int:pk>/<slug:action>/", views.request_action, name="intake_action"),
    path("photos/<int:pk>/<str:variant>.jpg", views.request_photo, name="intake_photo"),
]
