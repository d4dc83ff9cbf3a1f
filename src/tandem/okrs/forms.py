"""OKR forms: they collect input; the services validate and write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.kpis.models import Visibility
from tandem.notifications import mentions
from tandem.okrs.models import TITLE_MAX, Confidence, CycleKind, KpiRule, ObjectiveKind, ResultType
from tandem.orgs.forms import set_choices
from tandem.orgs.models import NAME_MAX

DATE = forms.DateInput(attrs={"type": "date"})


def amount(label: Any, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=20, decimal_places=6, required=required, help_text=help_text)


class CycleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    kind = forms.ChoiceField(label=_("Kind"), choices=CycleKind.choices)
    start = forms.DateField(label=_("First day"), widget=DATE)
    end = forms.DateField(label=_("Last day"), widget=DATE)


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Objective"), max_length=TITLE_MAX)
    description = forms.CharField(label=_("Why it matters"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    team = forms.TypedChoiceField(
        label=_("Or a team"), coerce=int, empty_value=None, required=False, help_text=_("Neither: a company objective.")
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ObjectiveKind.choices,
        help_text=_("Committed: 1.0 is success. Aspirational: 0.7 is success."),
    )
    parent = forms.TypedChoiceField(label=_("Aligned to"), coerce=int, empty_value=None, required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)

    def __init__(self, *args: Any, people: list[Any], teams: list[Any], parents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "owner", [("", _("No person"))] + [(str(p.pk), p.display_name) for p in people])
        set_choices(self, "team", [("", _("No team"))] + [(str(n.pk), "\u2003" * n.depth + n.name) for n in teams])
        set_choices(self, "parent", [("", _("Not aligned"))] + [(str(o.pk), o.title) for o in parents])


class KeyResultForm(forms.Form):
    title = forms.CharField(label=_("Key result"), max_length=TITLE_MAX)
    type = forms.ChoiceField(label=_("Type"), choices=ResultType.choices)
    start_value = amount(_("From"))
    target_value = amount(_("To"), help_text=_("Lower than the start for a decreasing target."))
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    weight = forms.DecimalField(label=_("Weight"), max_digits=7, decimal_places=2, initial=1)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    kpi = forms.TypedChoiceField(label=_("Driven by KPI"), coerce=int, empty_value=None, required=False)
    kpi_rule = forms.ChoiceField(label=_("KPI value"), choices=KpiRule.choices, required=False)
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line, for a milestones key result."),
    )

    def __init__(self, *args: Any, people: list[Any], kpis: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "owner", [("", _("The objective's owner"))] + [(str(p.pk), p.display_name) for p in people])
        set_choices(self, "kpi", [("", _("None: checked in by hand"))] + [(str(k.pk), k.name) for k in kpis])

    def changes(self, creating: bool) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        lines = [line.strip() for line in (data.pop("milestones") or "").splitlines() if line.strip()]
        if creating and data.get("type") == ResultType.MILESTONES:
            data["milestones"] = lines
        if data.get("start_value") is None:
            data["start_value"] = 0
        data["kpi_rule"] = data.get("kpi_rule") or KpiRule.LATEST
        return data


class CheckInForm(forms.Form):
    value = amount(_("New value"), required=True)
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ScoreForm(forms.Form):
    score = forms.DecimalField(label=_("Score (0.0–1.0)"), max_digits=5, decimal_places=4, min_value=0, max_value=1)
    reason = forms.CharField(label=_("Why this score"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReflectForm(forms.Form):
    went_well = forms.CharField(label=_("What went well"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    to_change = forms.CharField(label=_("What to change"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CarryOverForm(forms.Form):
    cycle = forms.TypedChoiceField(label=_("Carry over to"), coerce=int)

    def __init__(self, *args: Any, cycles: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "cycle", [(str(c.pk), c.name) for c in cycles])


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, help_text=mentions.HINT
    )
    key_result = forms.TypedChoiceField(label=_("About"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, key_results: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "key_result", [("", _("The objective"))] + [(str(k.pk), k.title) for k in key_results])
