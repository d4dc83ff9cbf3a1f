"""Audit events as people read them: field labels instead of column names, names instead of ids.

The audit trail stores plain values (ids, decimals as text) so it never depends on today's data; this
module turns a page of events into sentences' parts with one query per kind of object referred to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from tandem.core.models import AuditEvent

if TYPE_CHECKING:
    from tandem.orgs.models import Membership

ACTIONS = {
    "created": _("created"),
    "updated": _("changed"),
    "deleted": _("deleted"),
    "archived": _("archived"),
    "submitted": _("submitted"),
    "data_received": _("received data"),
    "change_requested": _("asked for a change"),
    "change_approved": _("approved a change"),
    "change_rejected": _("rejected a change"),
    "accepted": _("accepted"),
    "joined": _("joined"),
    "made_admin": _("made an administrator"),
    "member_added": _("added a member"),
    "member_removed": _("removed a member"),
    "member_updated": _("changed a member's role"),
    "section_added": _("added a section"),
    "section_updated": _("changed a section"),
    "section_removed": _("removed a section"),
    "item_added": _("added an item"),
    "item_updated": _("moved or changed an item"),
    "item_removed": _("removed an item"),
    "profile_updated": _("updated the profile"),
    "revoked": _("revoked"),
}
EXTRA_LABELS = {
    "guardrails": _("guardrails"),
    "period_targets": _("targets for single periods"),
    "points": _("data points"),
    "version": _("version"),
    "members": _("members"),
    "kpi": _("KPI"),
    "key_result": _("key result"),
    "objective": _("objective"),
    "section": _("section"),
    "position": _("position"),
}
# Fields whose values are ids of people, teams, KPIs or key results: shown by name.
PEOPLE = {"owner", "manager", "person", "requested_by", "decided_by"}
TEAMS = {"team", "parent"}
KPIS = {"guardrails", "kpi"}
KEY_RESULTS = {"key_result"}
OBJECTIVES = {"objective"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    action: str
    changes: list[Change]


@cache
def _fields() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Field name -> its verbose name, and -> its choices' labels, from every Tandem model (the first model
    to name a field wins)."""
    labels: dict[str, Any] = {}
    choices: dict[str, dict[str, Any]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("tandem."):
            continue
        for field in model._meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose and field.name not in labels:
                labels[field.name] = verbose
            if getattr(field, "choices", None):
                # Several models may name a field alike (a cycle's and an objective's "kind"): merge their choices.
                choices.setdefault(field.name, {}).update({str(v): name for v, name in field.choices})  # type: ignore[union-attr]
    return labels, choices


def label(field: str) -> str:
    found = EXTRA_LABELS.get(field) or _fields()[0].get(field)
    return str(found) if found else field.replace("_", " ")


def _choice(field: str, value: Any) -> Any:
    named = _fields()[1].get(field, {}).get(str(value)) if isinstance(value, str) else None
    return str(named) if named is not None else value


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _kind(field: str) -> str | None:
    if field in PEOPLE:
        return "people"
    if field in TEAMS:
        return "teams"
    if field in KPIS:
        return "kpis"
    if field in OBJECTIVES:
        return "objectives"
    return "key_results" if field in KEY_RESULTS else None


def _names(membership: Membership, events: list[AuditEvent]) -> dict[str, dict[int, str]]:
    from tandem.kpis import selectors as kpi_selectors
    from tandem.okrs import selectors as okr_selectors
    from tandem.okrs.models import KeyResult
    from tandem.orgs.models import Membership as Person
    from tandem.orgs.models import Team

    wanted: dict[str, set[int]] = {
        "people": set(),
        "teams": set(),
        "kpis": set(),
        "key_results": set(),
        "objectives": set(),
    }
    for event in events:
        for field, pair in event.changes.items():
            kind = _kind(field)
            if kind:
                for value in pair:
                    wanted[kind].update(_ids(value))
    org = membership.organization
    names: dict[str, dict[int, str]] = {"people": {}, "teams": {}, "kpis": {}, "key_results": {}, "objectives": {}}
    if wanted["people"]:
        people = Person.objects.for_org(org).filter(pk__in=wanted["people"]).select_related("user")
        names["people"] = {p.pk: p.display_name for p in people}
    if wanted["teams"]:
        names["teams"] = dict(Team.objects.for_org(org).filter(pk__in=wanted["teams"]).values_list("pk", "name"))
    if wanted["kpis"]:
        # Named only when the reader may see them (a private KPI stays "#12").
        visible = kpi_selectors.kpis(membership=membership)
        names["kpis"] = dict(visible.filter(pk__in=wanted["kpis"]).values_list("pk", "name"))
    if wanted["key_results"]:
        objectives = okr_selectors.objectives(membership=membership).values("pk")
        found = KeyResult.objects.for_org(org).filter(pk__in=wanted["key_results"], objective__in=objectives)
        names["key_results"] = dict(found.values_list("pk", "title"))
    if wanted["objectives"]:
        visible_objectives = okr_selectors.objectives(membership=membership).filter(pk__in=wanted["objectives"])
        names["objectives"] = dict(visible_objectives.values_list("pk", "title"))
    return names


def _number(text: str) -> str | None:
    if not any(c.isdigit() for c in text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return number_format(Decimal(f"{value.normalize():f}"), force_grouping=True) if value.is_finite() else None


def _show(value: Any, names: dict[int, str] | None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if names is not None:
        return ", ".join(names.get(i, f"#{i}") for i in _ids(value)) or "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v, None)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_show(v, None) for v in value)
    if isinstance(value, str):
        return _number(value) or value
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    return str(value)


def readable(*, membership: Membership, events: list[AuditEvent]) -> list[Entry]:
    """A page of audit events with labelled changes and names for the people, teams and KPIs they refer to."""
    names = _names(membership, events)
    entries = []
    for event in events:
        changes = []
        for field, pair in event.changes.items():
            kind = _kind(field)
            refs = names[kind] if kind else None
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            shown = Change(label(field), _show(_choice(field, before), refs), _show(_choice(field, after), refs))
            if shown.before != "—" or shown.after != "—":
                changes.append(shown)
        action = ACTIONS.get(event.action)
        entries.append(Entry(event, str(action) if action else event.action.replace("_", " "), changes))
    return entries
