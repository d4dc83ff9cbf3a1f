"""File import forms: they collect the file and the mapping; the services in ``imports`` judge them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.orgs.forms import set_choices

ENCODING_CHOICES = [
    ("utf-8", _("UTF-8 (most files)")),
    ("cp1258", _("Windows-1258 (Vietnamese Excel)")),
    ("cp1252", _("Windows-1252 (Western European Excel)")),
    ("utf-16", _("UTF-16 (Excel's “Unicode text”)")),
    ("latin-1", _("Latin-1 (ISO-8859-1)")),
]
DATE_FORMAT_CHOICES = [
    ("YYYY-MM-DD", _("YYYY-MM-DD (2026-12-31)")),
    ("DD/MM/YYYY", _("DD/MM/YYYY (31/12/2026)")),
    ("MM/DD/YYYY", _("MM/DD/YYYY (12/31/2026)")),
    ("DD.MM.YYYY", _("DD.MM.YYYY (31.12.2026)")),
    ("excel", _("Real Excel dates")),
]
DECIMAL_CHOICES = [(".", _("Point: 1,234.5")), (",", _("Comma: 1.234,5"))]


class UploadForm(forms.Form):
    """The upload card: the file, and the encoding a CSV file was saved in."""

    file = forms.FileField(
        label=_("CSV or Excel file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        # Django's own cap on the name; the size is judged by the service, with a message naming the limit.
        max_length=255,
    )
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV only)"),
        choices=ENCODING_CHOICES,
        initial="utf-8",
        help_text=_("UTF-8 with or without a BOM is read by default."),
    )


class MappingForm(forms.Form):
    """Which column holds what, or the one KPI every row goes to, and how dates and numbers are written."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    kpi_column = forms.ChoiceField(
        label=_("KPI column"), required=False, help_text=_("Holds each row's KPI, by key or by name.")
    )
    kpi = forms.TypedChoiceField(label=_("… or every row goes to KPI"), coerce=int, empty_value=None, required=False)
    date_column = forms.ChoiceField(label=_("Date column"))
    date_format = forms.ChoiceField(label=_("Dates are written as"), choices=DATE_FORMAT_CHOICES)
    value_column = forms.ChoiceField(label=_("Value column"))
    decimal = forms.ChoiceField(label=_("Decimal separator"), choices=DECIMAL_CHOICES)
    note_column = forms.ChoiceField(label=_("Note column (optional)"), required=False)
    source_key_column = forms.ChoiceField(
        label=_("Source key column (optional)"),
        required=False,
        help_text=_("A unique id per row, such as an order number: a later file with the same key updates the point."),
    )

    def __init__(self, *args: Any, columns: list[str], kpis: list[Any], sheets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = [(c, c) for c in columns]
        none = [("", _("—"))]
        set_choices(self, "kpi_column", none + chosen)
        set_choices(self, "date_column", [("", _("Choose a column"))] + chosen)
        set_choices(self, "value_column", [("", _("Choose a column"))] + chosen)
        set_choices(self, "note_column", none + chosen)
        set_choices(self, "source_key_column", none + chosen)
        set_choices(self, "kpi", none + [(str(k.pk), f"{k.name} ({k.key})") for k in kpis])
        if len(sheets) > 1:
            set_choices(self, "sheet", [(s, s) for s in sheets])
        else:
            del self.fields["sheet"]
