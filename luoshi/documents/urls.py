"""The documents' download addresses: the same paths and names they had in the apps' url modules."""
from django.urls import path

from . import views

urlpatterns = [
    path("programs/<slug:code>/bulletin.<str:fmt>", views.program_bulletin, name="program_bulletin"),
    path("programs/<slug:code>/ledger/bulletin.docx", views.ledger_bulletin, name="ledger_bulletin"),
    path("projects/<slug:code>/bulletin.<str:fmt>", views.projects_bulletin, name="projects_bulletin"),
    path("ledger/sheets/<int:pk>/document.docx", views.sheet_docx, name="ledger_sheet_docx"),
    path("assess/rounds/<int:pk>/bulletin.docx", views.assessment_bulletin, name="assess_bulletin"),
    path("assess/rounds/<int:pk>/units/<int:unit_pk>/card.pdf", views.scorecard, name="assess_card_pdf"),
    path("policies/report.docx", views.policy_totals_docx, name="policies_report_docx"),
]

from . import views_bulletins as bulletins  # noqa: E402

urlpatterns += [
    path("bulletins/", bulletins.index, name="bulletin_index"),
    path("bulletins/new/", bulletins.subscription_new, name="bulletin_subscription_new"),
    path("bulletins/<int:pk>/", bulletins.subscription_detail, name="bulletin_subscription"),
    path("bulletins/<int:pk>/<str:action>/", bulletins.subscription_action, name="bulletin_subscription_action"),
    path("bulletins/issues/<int:pk>/", bulletins.issue_detail, name="bulletin_issue"),
    path("bulletins/issues/<int:pk>/file.<str:fmt>", bulletins.issue_download, name="bulletin_issue_file"),
    path("cases/compilation.docx", bulletins.case_compilation, name="case_compilation"),
]
