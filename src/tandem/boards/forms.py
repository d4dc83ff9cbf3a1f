"""Board forms: they collect input; the services validate and write it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.boards.models import BoardRole, ItemDisplay
from tandem.boards.selectors import METRIC_KINDS
from tandem.core.ids import MAX_ID
from tandem.kpis.models import Visibility
from tandem.okrs.models import TITLE_MAX
from tandem.orgs.models import NAME_MAX

VISIBILITY_CHOICES = [
    (Visibility.PUBLIC, _("Public: the whole organization")),
    (Visibility.PRIVATE, _("Private: its members only")),
]


class BoardForm(forms.Form):
    """A board's name, description and visibility, to create it or change them."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=VISIBILITY_CHOICES,
        initial=Visibility.PUBLIC,
        help_text=_("Private KPIs and objectives can be put on private boards only."),
    )


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=TITLE_MAX)


class SectionUpdateForm(forms.Form):
    """Rename a section, or move it one place up or down."""

    title = forms.CharField(label=_("Section title"), max_length=TITLE_MAX, required=False)
    move = forms.ChoiceField(choices=[("", ""), ("up", "up"), ("down", "down")], required=False)


class ItemAddForm(forms.Form):
    """One suggestion's "add" button: which metric, shown how, in which section."""

    kind = forms.ChoiceField(choices=[(k, k) for k in METRIC_KINDS])
    metric = forms.IntegerField(min_value=1, max_value=MAX_ID)
    display = forms.ChoiceField(choices=ItemDisplay.choices, initial=ItemDisplay.CARD)
    section = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class ItemUpdateForm(forms.Form):
    """One of an item's controls: card or chart, a section ("" for none), or one place up or down."""

    display = forms.ChoiceField(choices=[("", ""), *ItemDisplay.choices], required=False)
    section = forms.CharField(max_length=20, required=False)
    move = forms.ChoiceField(choices=[("", ""), ("up", "up"), ("down", "down")], required=False)


class MemberAddForm(forms.Form):
    """Whom to add and with which role; the person is chosen from the page's search (the service checks them)."""

    person = forms.IntegerField(label=_("Person"), min_value=1, max_value=MAX_ID)
    role = forms.ChoiceField(label=_("Role"), choices=BoardRole.choices, initial=BoardRole.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=BoardRole.choices)
