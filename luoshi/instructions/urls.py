from django.urls import path

from . import views

urlpatterns = [
    path("", views.instruction_list, name="instruction_list"),
    path("new/", views.instruction_new, name="instruction_new"),
    path("on/", views.instruction_on, name="instruction_on"),
    path("<int:pk>/", views.instruction_detail, name="instruction_detail"),
    path("<int:pk>/reply/", views.instruction_reply, name="instruction_reply"),
    path("<int:pk>/<slug:action>/", views.instruction_decide, name="instruction_decide"),
]
