from django.urls import path

from . import views, views_dictionary

urlpatterns = [
    path("", views.index, name="policies_index"),
    path("clauses/new/", views.clause_edit, name="policies_clause_new"),
    path("clauses/<int:pk>/", views.clause_detail, name="policies_clause"),
    path("clauses/<int:pk>/edit/", views.clause_edit, name="policies_clause_edit"),
    path("clauses/<int:pk>/history/", views.clause_history, name="policies_clause_history"),
    path("clauses/<int:pk>/batch/", views.batch_new, name="policies_batch_new"),
    path("enterprises/", views.enterprise_list, name="policies_enterprises"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="policies_enterprise"),
    path("batches/", views.batch_list, name="policies_batches"),
    path("batches/<int:pk>/", views.batch_detail, name="policies_batch"),
    path("batches/<int:pk>/action/", views.batch_action, name="policies_batch_action"),
    path("report/", views.report, name="policies_report"),
    path("import/", views.import_page, name="policies_import"),
    path("policies/", views_dictionary.policy_list, name="policies_policies"),
    path("policies/new/", views_dictionary.policy_edit, name="policies_policy_new"),
    path("policies/<int:pk>/edit/", views_dictionary.policy_edit, name="policies_policy_edit"),
    path("vocabulary/", views_dictionary.vocabulary, name="policies_vocabulary"),
]
