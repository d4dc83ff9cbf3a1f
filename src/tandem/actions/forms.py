"""Action forms: they collect input; the services validate and write it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.actions.models import EFFECT_MAX, ActionStatus
from tandem.okrs.models import TITLE_MAX
from tandem.orgs.forms import set_choices

DATE = forms.DateInput(attrs={"type": "date"})


class QuickAddForm(forms.Form):
    """The short form under a KPI's or an objective's actions: what, who, by when, for what effect."""

    title = forms.CharField(label=_("Action"), max_length=TITLE_MAX)
    key_result = forms.TypedChoiceField(label=_("For key result"), coerce=int, empty_value=None, required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    due_date = forms.DateField(label=_("Due"), widget=DATE)
    expected_effect = forms.CharField(
        label=_("Expected effect"),
        max_length=EFFECT_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("+5% conversion")}),
    )

    def __init__(self, *args: Any, people: list[Any], key_results: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "owner", [(str(p.pk), p.display_name) for p in people])
        if key_results is None:
            del self.fields["key_result"]
        else:
            self.fields["key_result"].required = True
            set_choices(
                self, "key_result", [("", _("Choose a key result"))] + [(str(kr.pk), kr.title) for kr in key_results]
            )


class ActionForm(forms.Form):
    """Every field of an action, on its edit page."""

    title = forms.CharField(label=_("Action"), max_length=TITLE_MAX)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None)
    due_date = forms.DateField(label=_("Due"), widget=DATE, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    expected_effect = forms.CharField(
        label=_("Expected effect"),
        max_length=EFFECT_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("+5% conversion")}),
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "owner", [(str(p.pk), p.display_name) for p in people])


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
