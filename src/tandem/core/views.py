"""The shell: home, sign-in, pages still to come, and the health check."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tandem.core import dashboard
from tandem.core.ids import parse_id
from tandem.core.models import WorkerHeartbeat
from tandem.core.periods import local_today
from tandem.core.views_helpers import member_required
from tandem.okrs.models import CycleState

# Sections of the navigation whose pages arrive with later releases; each says so plainly.
COMING_SOON = {
    "insights": (_("Insights"), _("Watermelon detection, stale data, forecasts and reviews.")),
}


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=422)


@member_required
def home(request: HttpRequest) -> HttpResponse:
    """The screen people open every morning: their KPIs and OKRs (or their team's, a team's, the company's),
    what needs attention first; scope in the URL (``?scope=me|team|company&team=ID``)."""
    me = request.membership  # type: ignore[attr-defined]
    board = dashboard.dashboard(
        membership=me,
        scope=request.GET.get("scope"),
        team_id=parse_id(request.GET.get("team")),
        today=local_today(me.organization.tz),
    )
    return render(
        request,
        "core/home.html",
        board
        | {
            "scopes": [("me", _("Me")), ("team", _("My team")), ("company", _("Company"))],
            # Where check-in and data-entry dialogs send the person back to: this very view of the page.
            "next_q": quote(request.get_full_path(), safe=""),
            "can_add_objective": me.can_write
            and board["cycle"] is not None
            and board["cycle"].state in (CycleState.PLANNING, CycleState.ACTIVE),
        },
    )


@member_required
def coming_soon(request: HttpRequest, section: str) -> HttpResponse:
    title, promise = COMING_SOON[section]
    return render(request, "core/coming_soon.html", {"section": section, "title": title, "promise": promise})


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and admins: the database answers, and when the worker last ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    return JsonResponse(
        {
            "status": "ok",
            "database": connection.vendor,
            "worker_last_beat": beat.beat_at.isoformat() if beat else None,
        }
    )
