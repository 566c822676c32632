from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="assess_index"),
    path("schemes/new/", views.scheme_create, name="assess_scheme_create"),
    path("schemes/<int:pk>/", views.scheme_detail, name="assess_scheme"),
    path("schemes/<int:pk>/edit/", views.scheme_edit, name="assess_scheme_edit"),
    path("schemes/<int:pk>/scheme.yaml", views.scheme_yaml, name="assess_scheme_yaml"),
    path("schemes/<int:pk>/rounds/new/", views.round_create, name="assess_round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="assess_round"),
    path("rounds/<int:pk>/do/<slug:action>/", views.round_action, name="assess_round_action"),
    path("rounds/<int:pk>/evaluators/", views.evaluator_assign, name="assess_evaluator_assign"),
    path("rounds/<int:pk>/exclude/", views.participant_exclude, name="assess_participant_exclude"),
    path("rounds/<int:pk>/score/", views.score_page, name="assess_score"),
    path("rounds/<int:pk>/score/<int:unit_pk>/", views.score_save, name="assess_score_save"),
    path("rounds/<int:pk>/review/", views.review_page, name="assess_review"),
    path("rounds/<int:pk>/import/", views.score_import, name="assess_score_import"),
    path("rounds/<int:pk>/score-sheet.xlsx", views.score_template, name="assess_score_template"),
    path("rounds/<int:pk>/league.<slug:fmt>", views.league_download, name="assess_league_download"),
    path("rounds/<int:pk>/review/approve/", views.review_approve, name="assess_review_approve"),
    path("rounds/<int:pk>/units/<int:unit_pk>/", views.score_card, name="assess_card"),
    path("rounds/<int:pk>/units/<int:unit_pk>/appeal/", views.appeal_file, name="assess_appeal_file"),
    path("rounds/<int:pk>/units/<int:unit_pk>/materials/", views.material_submit, name="assess_material_submit"),
    path("rounds/<int:pk>/units/<int:unit_pk>/adjust/<slug:kind>/", views.adjustment_add, name="assess_adjustment_add"),
    path("rounds/<int:pk>/units/<int:unit_pk>/files/<int:file_pk>/", views.evidence, name="assess_evidence"),
    path("scores/<int:pk>/return/", views.score_return, name="assess_score_return"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="assess_appeal_decide"),
    path("consequences/<int:pk>/decide/", views.consequence_decide, name="assess_consequence_decide"),
]
