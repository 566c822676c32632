from django.urls import path

from . import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<slug:code>/", views.program_overview, name="program_overview"),
    path("programs/<slug:code>/units/<int:unit_id>/", views.program_overview, name="program_overview_units"),
    path("programs/<slug:code>/tasks/", views.task_list, name="task_list"),
    path("programs/<slug:code>/tasks/new/", views.task_create, name="task_create"),
    path("programs/<slug:code>/tasks/export.xlsx", views.task_export, name="task_export"),
    path("programs/<slug:code>/import/", views.task_import, name="task_import"),
    path("programs/<slug:code>/publication/", views.program_publish, name="program_publish"),
    path("programs/<slug:code>/league/", views.program_league, name="program_league"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/acknowledge/", views.task_acknowledge, name="task_acknowledge"),
    path("tasks/<int:pk>/report/", views.task_report, name="task_report"),
    path("tasks/<int:pk>/extension/", views.task_extension, name="task_extension"),
    path("tasks/reports/<int:pk>/release/", views.report_release, name="report_release"),
    path("tasks/<int:pk>/closure/", views.task_closure, name="task_closure"),
    path("tasks/milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("tasks/milestones/<int:pk>/undo/", views.milestone_undo, name="milestone_undo"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("closures/<int:pk>/decide/", views.closure_decide, name="closure_decide"),
]
