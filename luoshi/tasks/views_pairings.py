"""A leader's 包联 page: the units they help along and the state of the tasks those units lead."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def my_pairings(request):
    return render(request, "tasks/my_pairings.html", {"units": selectors.pairing_units_state(request.user)})
