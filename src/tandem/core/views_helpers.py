"""Small pieces every HTML view uses: who is asking, and running a form through a service."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.core.errors import ValidationError

T = TypeVar("T")  # noqa: UP040 - kept simple for Python 3.11
View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """Signed in and a member of an organization; ``request.membership`` is then set."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "membership", None) is None:
            return render(request, "core/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def run_form(request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], T]) -> T | None:
    """On POST, validate ``form`` and hand its data to a service; the service's field errors land on
    the form. Returns what the service returned, or None when nothing was done."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        for error in exc.errors or [{"field": "", "message": exc.message}]:
            field = error["field"] if error["field"] in form.fields else None
            form.add_error(field, error["message"])
        return None


def form_status(form: forms.Form) -> int:
    """422 for a submitted form with errors, so scripts and tests see the failure, 200 otherwise."""
    return 422 if form.is_bound and form.errors else 200
