"""The webhook form: name, address, events, active."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.integrations.webhook_services import event_choices
from tandem.orgs.models import NAME_MAX


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, help_text=_('What receives it, e.g. "ERP alerts".'))
    # Checked by the service (https only, unless the installation allows http), so the message is the same
    # in the UI and the API.
    url = forms.CharField(label=_("URL"), max_length=500, help_text=_("An https:// address of your own system."))
    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple, required=False, choices=()
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()  # type: ignore[attr-defined]
