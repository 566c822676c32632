"""Both request forms state the photo limit (issue #12 §4: the staff form said "最多  张"): the number is the form's,
so no view can forget it."""
import pytest
from django.urls import reverse

from luoshi.intake import services
from luoshi.intake.forms import RequestForm

pytestmark = pytest.mark.django_db


def test_the_form_states_the_limit_the_service_enforces():
    assert RequestForm.max_photos == services.MAX_PHOTOS


def test_staff_and_public_forms_say_how_many_photos(dispatcher, client_for, client):
    staff = client_for(dispatcher).get(reverse("intake_new")).content.decode()
    public = client.get(reverse("portal_request_new")).content.decode()
    assert f"最多 {services.MAX_PHOTOS} 张" in staff and f"最多 {services.MAX_PHOTOS} 张" in public
