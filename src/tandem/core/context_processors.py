from __future__ import annotations

from django.http import HttpRequest

# Pages that belong to a navigation section other than their own name.
SECTIONS = {
    "person_detail": "people",
    "person_edit": "people",
    "person_contribution": "people",
    "team_detail": "people",
    "team_create": "people",
    "team_edit": "people",
    "invitations": "people",
    "password_change": "settings",
    "password_change_done": "settings",
    "kpi_detail": "kpis",
    "kpi_create": "kpis",
    "kpi_edit": "kpis",
    "alignment_map": "okrs",
    "cycles": "okrs",
    "objective_create": "okrs",
    "objective_detail": "okrs",
    "objective_edit": "okrs",
    "key_result_edit": "okrs",
    "key_result_check_in": "okrs",
    "templates": "okrs",
}


# Pages whose names start with these belong to the "Data" section (connectors, imports, webhooks).
DATA_PREFIXES = ("connector", "import", "webhook")


def navigation(request: HttpRequest) -> dict[str, str]:
    """Which navigation entry is highlighted."""
    name = (request.resolver_match.url_name if request.resolver_match else "") or ""
    if name.startswith(DATA_PREFIXES):
        return {"nav_section": "data"}
    return {"nav_section": SECTIONS.get(name, name)}
