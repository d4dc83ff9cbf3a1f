"""KPI forms: they collect input; the services validate and write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.periods import Grain
from tandem.kpis.models import Aggregation, Direction, Kpi, RiskLevel, ThresholdMode, UnitKind, Visibility
from tandem.notifications import mentions
from tandem.orgs.forms import set_choices
from tandem.orgs.models import NAME_MAX, Membership
from tandem.orgs.selectors import TeamNode


def amount(label: Any, help_text: Any = "") -> forms.DecimalField:
    """An optional value field with the precision values are stored with."""
    return forms.DecimalField(label=label, max_digits=20, decimal_places=6, required=False, help_text=help_text)


class KpiForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    key = forms.CharField(
        label=_("Key"), max_length=60, help_text=_("Stable identifier for imports and the API, e.g. gross_margin.")
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, empty_value=None, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    unit_kind = forms.ChoiceField(label=_("Unit kind"), choices=UnitKind.choices)
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Grain.choices, initial=Grain.MONTH)
    aggregation = forms.ChoiceField(label=_("Aggregation"), choices=Aggregation.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    target = amount(_("Target"))
    threshold_mode = forms.ChoiceField(
        label=_("Thresholds are"), choices=ThresholdMode.choices, initial=ThresholdMode.PERCENT
    )
    amber_threshold = amount(_("Amber below (above) this"))
    red_threshold = amount(_("Red below (above) this"))
    band_low = amount(_("Band low"))
    band_high = amount(_("Band high"))
    formula = forms.CharField(
        label=_("Formula"),
        max_length=500,
        required=False,
        help_text=_(
            "Leave empty for a measured KPI, or compute it from other KPIs' keys: "
            "(net_revenue - cogs) / net_revenue * 100."
        ),
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    value_per_unit = amount(_("Value per unit"), help_text=_("Money one unit creates or costs."))
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    risk_notes = forms.CharField(label=_("Risk notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    guardrails = forms.TypedMultipleChoiceField(
        label=_("Guardrail KPIs"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("KPIs whose health must hold while this one is pushed."),
    )

    def __init__(
        self,
        *args: Any,
        people: list[Membership],
        teams: list[TeamNode],
        kpis: list[Kpi],
        rules_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "owner", [(str(p.pk), p.display_name) for p in people])
        set_choices(self, "team", [("", _("No team"))] + [(str(n.pk), "\u2003" * n.depth + n.name) for n in teams])
        set_choices(self, "guardrails", [(str(k.pk), k.name) for k in kpis])
        self.rules_locked = rules_locked
        if rules_locked:
            # An active KPI's rules change through a change request; shown, not editable, here.
            for name in RULE_FIELDS:
                self.fields[name].disabled = True

    def cleaned_changes(self) -> dict[str, Any]:
        """The form's data as service arguments (blank strings for optional codes, None for blank numbers)."""
        data = dict(self.cleaned_data)
        data["currency"] = (data.get("currency") or "").upper()
        if self.rules_locked:
            for name in RULE_FIELDS:
                data.pop(name, None)
        return data


RULE_FIELDS = (
    "frequency",
    "aggregation",
    "direction",
    "target",
    "threshold_mode",
    "amber_threshold",
    "red_threshold",
    "band_low",
    "band_high",
    "formula",
)


def unchanged(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("(unchanged)")), *choices]


class DataPointForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(label=_("Value"), max_digits=20, decimal_places=6)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ChangeRequestForm(forms.Form):
    """The rules an active KPI may change, each left empty to keep it; the manager approves the whole."""

    target = amount(_("New target"))
    amber_threshold = amount(_("New amber line"))
    red_threshold = amount(_("New red line"))
    threshold_mode = forms.ChoiceField(
        label=_("Thresholds are"), choices=unchanged(ThresholdMode.choices), required=False
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=unchanged(Direction.choices), required=False)
    aggregation = forms.ChoiceField(label=_("Aggregation"), choices=unchanged(Aggregation.choices), required=False)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=unchanged(Grain.choices), required=False)
    band_low = amount(_("New band low"))
    band_high = amount(_("New band high"))
    formula = forms.CharField(label=_("New formula"), max_length=500, required=False)
    period_day = forms.DateField(
        label=_("Target for one period: a day in it"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_target = amount(_("Target for that period"))
    effective_from = forms.DateField(
        label=_("From the period of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: from the next period (for a single period's target: from this one)."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("period_day") is None) != (data.get("period_target") is None):
            self.add_error("period_target", _("Give both the day and the target for a single period."))
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {
            name: data[name] for name in RULE_FIELDS if data.get(name) is not None and data.get(name) != ""
        }
        if data.get("period_day") is not None and data.get("period_target") is not None:
            found["period_targets"] = {data["period_day"].isoformat(): data["period_target"]}
        return found


class PeriodTargetForm(forms.Form):
    """A draft's target for one period; an empty target removes it."""

    day = forms.DateField(label=_("A day in the period"), widget=forms.DateInput(attrs={"type": "date"}))
    target = amount(_("Target for that period"), help_text=_("Empty: back to the default target."))


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=5000, required=False)


class CommentForm(forms.Form):
    """A comment on a KPI; people are mentioned in it with @handle."""

    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, help_text=mentions.HINT
    )
