"""Template helpers for what pages draw many times over."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def team_options(teams: Iterable[Any], selected: object = None) -> SafeString:
    """The ``<option>``s of a team filter, indented by depth. Built in Python: an organization of a thousand
    teams would otherwise cost the template tens of thousands of lookups on every list page."""
    chosen = "" if selected is None else str(selected)
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<option value="{}"{}>{}{}</option>',
                    node.pk,
                    SafeString(" selected") if str(node.pk) == chosen else "",
                    "\u2003" * getattr(node, "depth", 0),
                    node.name,
                ),
            )
            for node in teams
        ),
    )
