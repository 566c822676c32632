from django.urls import path

from . import views

urlpatterns = [
    path("ledger/", views.ledger_index, name="ledger_index"),
    path("programs/<slug:code>/ledger/", views.finding_list, name="ledger_findings"),
    path("programs/<slug:code>/ledger/new/", views.finding_create, name="ledger_finding_create"),
    path("programs/<slug:code>/ledger/issue/", views.sheets_issue, name="ledger_sheets_issue"),
    path("programs/<slug:code>/ledger/sheets/", views.sheet_list, name="ledger_sheets"),
    path("programs/<slug:code>/ledger/figures/", views.figures, name="ledger_figures"),
    path("programs/<slug:code>/ledger/escalations/", views.escalations, name="ledger_escalations"),
    path("programs/<slug:code>/ledger/groups/", views.groups, name="ledger_groups"),
    path("programs/<slug:code>/ledger/export.xlsx", views.ledger_export, name="ledger_export"),
    path("programs/<slug:code>/ledger/import/", views.ledger_import, name="ledger_import"),
    path("ledger/findings/<int:pk>/", views.finding_detail, name="ledger_finding"),
    path("ledger/findings/<int:pk>/edit/", views.finding_edit, name="ledger_finding_edit"),
    path("ledger/findings/<int:pk>/submit/", views.finding_submit, name="ledger_finding_submit"),
    path("ledger/findings/<int:pk>/verify/", views.finding_verify, name="ledger_finding_verify"),
    path("ledger/findings/<int:pk>/reopen/", views.finding_reopen, name="ledger_finding_reopen"),
    path("ledger/findings/<int:pk>/publish/", views.finding_publish, name="ledger_finding_publish"),
    path("ledger/photos/<int:pk>/<str:variant>/", views.photo, name="ledger_photo"),
    path("ledger/sheets/<int:pk>/", views.sheet_detail, name="ledger_sheet"),
    path("ledger/sheets/<int:pk>/acknowledge/", views.sheet_acknowledge, name="ledger_sheet_acknowledge"),
    path("ledger/escalations/<int:pk>/decide/", views.escalation_decide, name="ledger_escalation_decide"),
]
