"""HTML forms: they collect input; the services validate and write it, so UI and API share every rule."""

from __future__ import annotations

import calendar
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from tandem.orgs.models import NAME_MAX, Membership, Role
from tandem.orgs.selectors import TeamNode


def set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _month_choices() -> list[tuple[int, Any]]:
    return [(number, _(calendar.month_name[number])) for number in range(1, 13)]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    time_zone = forms.ChoiceField(label=_("Time zone"))
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"), coerce=int, choices=_month_choices
    )
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    reminder_weekday = forms.TypedChoiceField(
        label=_("Weekly reminders and digests: day"), coerce=int, choices=list(WEEKDAYS.items())
    )
    reminder_hour = forms.TypedChoiceField(
        label=_("Weekly reminders and digests: hour"),
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text=_(
            "In the organization's time zone. Check-in reminders go to people whose key results have had "
            "no check-in for a week; each manager gets a digest of their teams."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "time_zone", [(tz, tz) for tz in sorted(zoneinfo.available_timezones())])


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=NAME_MAX)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Organization default")), *settings.LANGUAGES],
    )


def _person_choices(people: list[Membership], empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(p.pk), p.display_name) for p in people]


def _team_choices(teams: list[TeamNode]) -> list[tuple[str, str]]:
    # An em space per level shows the tree inside a plain <select>.
    return [(str(node.pk), "\u2003" * node.depth + node.name) for node in teams]


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    job_title = forms.CharField(label=_("Job title"), max_length=NAME_MAX, required=False)
    manager = forms.TypedChoiceField(label=_("Manager"), coerce=int, empty_value=None, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, people: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "manager", _person_choices(people, str(_("No manager"))))


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    parent = forms.TypedChoiceField(label=_("Parent team"), coerce=int, empty_value=None, required=False)
    manager = forms.TypedChoiceField(label=_("Manager"), coerce=int, empty_value=None, required=False)
    members = forms.TypedMultipleChoiceField(
        label=_("Members"), coerce=int, required=False, help_text=_("Hold Ctrl (or ⌘) to choose several.")
    )

    def __init__(self, *args: Any, people: list[Membership], teams: list[TeamNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "parent", [("", _("None (top level)")), *_team_choices(teams)])
        set_choices(self, "manager", _person_choices(people, str(_("No manager"))))
        set_choices(self, "members", [(str(p.pk), p.display_name) for p in people])


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, teams: list[TeamNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "team", [("", _("No team")), *_team_choices(teams)])


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=NAME_MAX, help_text=_('What it is for, e.g. "ERP nightly sync".')
    )


class IngestTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Ingestion token name"),
        max_length=NAME_MAX,
        help_text=_('The system that pushes data with it, e.g. "ERP nightly push".'),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the personal token form on the same page has a "name" field too.
        kwargs.setdefault("auto_id", "ingest_%s")
        super().__init__(*args, **kwargs)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=NAME_MAX)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data
