"""Open311 GeoReport v2 (/open311/v2/): the format is the suffix, .xml or .json (luoshi.intake.open311)."""
from django.urls import re_path

from .open311 import views

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, views.services, name="open311_services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="open311_service"),
    re_path(r"^requests" + FMT, views.requests, name="open311_requests"),
    re_path(r"^requests/(?P<pk>[^/]+?)" + FMT, views.request_detail, name="open311_request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="open311_token"),
    re_path(r"^.*?(?:\.(?P<fmt>xml|json))?$", views.not_found),
]
