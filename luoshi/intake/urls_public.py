from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.request_new, name="portal_request_new"),
    path("done/", views.request_done, name="portal_request_done"),
    path("rate/<str:code>/<str:token>/", views.request_rate, name="portal_request_rate"),
]
