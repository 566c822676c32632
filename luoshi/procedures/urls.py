from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="procedures_index"),
    path("cases/<int:pk>/", views.case_detail, name="procedures_case"),
    path("cases/<int:pk>/steps/<int:step_pk>/upload/", views.step_upload, name="procedures_step_upload"),
    path("cases/<int:pk>/steps/<int:step_pk>/decide/", views.step_decide, name="procedures_step_decide"),
    path("files/<int:doc_pk>/", views.document_download, name="procedures_file"),
    path("institutions/", views.institutions, name="procedures_institutions"),
    path("institutions/import/", views.institution_import, name="procedures_institution_import"),
    path("institutions/<int:pk>/", views.institution_detail, name="procedures_institution"),
    path("<slug:code>/", views.case_list, name="procedures_cases"),
    path("<slug:code>/new/", views.case_new, name="procedures_case_new"),
    path("<slug:code>/overview/", views.overview, name="procedures_overview"),
    path("<slug:code>/import/", views.case_import, name="procedures_case_import"),
]
