"""The 1:1 note form: it collects input; the service validates and writes it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.orgs.forms import set_choices


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    objective = forms.TypedChoiceField(label=_("About the objective"), coerce=int, empty_value=None, required=False)
    kpi = forms.TypedChoiceField(label=_("About the KPI"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, objectives: list[Any], kpis: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "objective", [("", _("None"))] + [(str(o.pk), o.title) for o in objectives])
        set_choices(self, "kpi", [("", _("None"))] + [(str(k.pk), k.name) for k in kpis])
