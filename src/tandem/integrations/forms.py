"""Connector forms: they collect input; the services validate it (the source's settings, the schedule, who
may own it) and write it. Credentials are write-only: the fields are never filled back in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tandem.integrations.models import ConnectorKind, ScheduleKind
from tandem.orgs.forms import set_choices
from tandem.orgs.models import NAME_MAX

SQL_FIELDS = ("url", "query", "timeout")
HTTP_FIELDS = ("http_url", "headers", "method", "body", "expression", "next", "max_pages")


def _never_rendered(help_text: Any) -> forms.CharField:
    # render_value=False: a bound form redisplayed with an error does not put the secret back in the page.
    return forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=help_text,
    )


class ConnectorForm(forms.Form):
    """Every setting of a connector. The SQL and HTTP fields are both present; the page shows those of the
    chosen kind."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    kind = forms.ChoiceField(label=_("Source"), choices=ConnectorKind.choices)
    kpi = forms.TypedChoiceField(label=_("KPI"), coerce=int, empty_value=None, required=False)
    owner = forms.TypedChoiceField(
        label=_("Owner"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("The connector writes data as its owner, who is told when it keeps failing."),
    )
    url = _never_rendered(
        _("postgresql://user:password@host:5432/db, mysql://…, sqlite:////path/to/file.sqlite3. Stored encrypted.")
    )
    url.label = _("Connection URL")
    query = forms.CharField(
        label=_("Query"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "font-monospace"}),
        help_text=_(
            "One SELECT returning date and value (and kpi_key when the rows name their KPI), one row per day: "
            "GROUP BY the day. :since is the last date already received."
        ),
    )
    timeout = forms.IntegerField(
        label=_("Time limit (seconds)"), required=False, min_value=1, max_value=settings.CONNECTOR_TIMEOUT
    )
    http_url = _never_rendered(_("https://erp.example.com/api/sales?from={since}. Stored encrypted."))
    http_url.label = _("Endpoint URL")
    headers = forms.CharField(
        label=_("Headers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("One per line, as Name: value (e.g. Authorization: Bearer …). Stored encrypted."),
    )
    clear_headers = forms.BooleanField(label=_("Remove the stored headers"), required=False)
    method = forms.ChoiceField(label=_("Method"), choices=[("GET", "GET"), ("POST", "POST")], required=False)
    body = forms.CharField(
        label=_("Request body (JSON, for POST)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    expression = forms.CharField(
        label=_("Points (JMESPath)"),
        required=False,
        max_length=1000,
        help_text=_("Gives a list of objects with date and value, e.g. data[].{date: day, value: units}"),
    )
    next = forms.CharField(
        label=_("Next page (JMESPath)"),
        required=False,
        max_length=1000,
        help_text=_("Gives the next page's URL, e.g. links.next; leave blank without pagination."),
    )
    max_pages = forms.IntegerField(label=_("At most this many pages"), required=False, min_value=1, max_value=10_000)
    schedule_kind = forms.ChoiceField(label=_("Schedule"), choices=ScheduleKind.choices)
    schedule_value = forms.CharField(
        label=_("Every / at"),
        required=False,
        max_length=100,
        help_text=_("Minutes between runs (15), a time of day (07:30), or a cron expression (*/10 8-18 * * 1-5)."),
    )
    enabled = forms.BooleanField(label=_("Enabled: runs on its schedule"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        kpis: list[Any],
        owners: list[Any] | None,
        masked: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self, "kpi", [("", _("None: the rows name their KPI (kpi_key)"))] + [(str(k.pk), k.name) for k in kpis]
        )
        if owners is None:
            del self.fields["owner"]
        else:
            set_choices(self, "owner", [(str(p.pk), p.display_name) for p in owners])
        self.masked = masked or {}
        if masked is not None:
            # On edit: show what is stored, masked; a blank field keeps it.
            keep = _("Stored: %(value)s. Leave blank to keep it.")
            for field in ("url", "http_url"):
                if masked.get("url"):
                    self.fields[field].help_text = keep % {"value": masked["url"]}
            if masked.get("headers"):
                self.fields["headers"].help_text = keep % {"value": masked["headers"]}
        else:
            del self.fields["clear_headers"]

    def clean_headers(self) -> dict[str, str] | None:
        raw = self.cleaned_data.get("headers") or ""
        if not raw.strip():
            return None
        headers: dict[str, str] = {}
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise forms.ValidationError(
                    _("Line %(n)s is not Name: value.") % {"n": number}  # never echo the line: it may hold a token
                )
            headers[name.strip()] = value.strip()
        return headers

    def service_fields(self, kpis_by_id: dict[int, Any]) -> dict[str, Any]:
        """The cleaned data as the services take it: ``config`` and ``secrets`` of the chosen kind."""
        data = self.cleaned_data
        kind = data["kind"]
        secrets: dict[str, Any] = {}
        if kind == ConnectorKind.SQL:
            config: dict[str, Any] = {"query": data.get("query") or ""}
            if data.get("timeout"):
                config["timeout"] = data["timeout"]
            if data.get("url"):
                secrets["url"] = data["url"]
        else:
            config = {
                "method": data.get("method") or "GET",
                "body": data.get("body") or "",
                "expression": data.get("expression") or "",
                "next": data.get("next") or "",
            }
            if data.get("max_pages"):
                config["max_pages"] = data["max_pages"]
            if data.get("http_url"):
                secrets["url"] = data["http_url"]
            if data.get("headers") is not None:
                secrets["headers"] = data["headers"]
            elif data.get("clear_headers"):
                secrets["headers"] = {}
        fields = {
            "name": data["name"],
            "kind": kind,
            "kpi": kpis_by_id.get(data["kpi"]) if data.get("kpi") else None,
            "config": config,
            "secrets": secrets,
            "schedule_kind": data["schedule_kind"],
            "schedule_value": data.get("schedule_value") or "",
            "enabled": bool(data.get("enabled")),
        }
        if "owner" in self.fields and data.get("owner"):
            fields["owner"] = data["owner"]
        return fields


def initial_of(connector: Any) -> dict[str, Any]:
    """A saved connector's settings as the form's initial values (never its credentials)."""
    config = connector.config or {}
    return {
        "name": connector.name,
        "kind": connector.kind,
        "kpi": connector.kpi_id,
        "owner": connector.owner_id,
        "query": config.get("query", ""),
        "timeout": config.get("timeout"),
        "method": config.get("method", "GET"),
        "body": config.get("body", ""),
        "expression": config.get("expression", ""),
        "next": config.get("next", ""),
        "max_pages": config.get("max_pages"),
        "schedule_kind": connector.schedule_kind,
        "schedule_value": connector.schedule_value,
        "enabled": connector.enabled,
    }


# Where a service's field error lands on the form: "config.query" on query, "secrets.url" on the URL field.
def form_field(field: str, kind: str) -> str:
    name = field.rsplit(".", 1)[-1]
    if name == "url" and kind == ConnectorKind.HTTP:
        return "http_url"
    return name
