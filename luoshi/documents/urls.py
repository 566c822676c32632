"""The documents' download addresses: the same paths and names they had in the apps' url modules."""
from django.urls import path

from . import views

urlpatterns = [
    path("programs/<slug:code>/bulletin.<str:fmt>", views.program_bulletin, name="program_bulletin"),
    path("programs/<slug:code>/ledger/bulletin.docx", views.ledger_bulletin, name="ledger_bulletin"),
    path("ledger/sheets/<int:pk>/document.docx", views.sheet_docx, name="ledger_sheet_docx"),
    path("assess/rounds/<int:pk>/bulletin.docx", views.assessment_bulletin, name="assess_bulletin"),
    path("assess/rounds/<int:pk>/units/<int:unit_pk>/card.pdf", views.scorecard, name="assess_card_pdf"),
    path("policies/report.docx", views.policy_totals_docx, name="policies_report_docx"),
]
