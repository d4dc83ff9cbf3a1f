"""The shell: home, sign-in, pages still to come, and the health check."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tandem.core.models import WorkerHeartbeat
from tandem.core.views_helpers import member_required
from tandem.orgs import selectors as org_selectors

# Sections of the navigation whose pages arrive with later releases; each says so plainly.
COMING_SOON = {
    "boards": (_("Boards"), _("Put KPIs and OKRs together on public or private boards.")),
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
    me = request.membership  # type: ignore[attr-defined]
    return render(
        request,
        "core/home.html",
        {
            "people_count": org_selectors.people(membership=me).count(),
            "team_count": org_selectors.teams(membership=me).count(),
            "my_teams": me.teams.all(),
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
