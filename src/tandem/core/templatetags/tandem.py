"""Template helpers for what pages draw many times over."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def team_options(teams: Iterable[Any], selected: object = None) -> SafeString:
    """The ``<option>``s of a team filter, indented by depth. Built in Python: an organization of a thousand
    teams would otherwise cost the template tens of thousands of lookups on every list page."""
    chosen = "" if selected is None else str(selected)
    # Plain string building with html.escape (what format_html does, a tenth of the cost per option).
    return SafeString(
        "".join(
            f'<option value="{node.pk}"{" selected" if str(node.pk) == chosen else ""}>'
            f"{chr(0x2003) * getattr(node, 'depth', 0)}{escape(str(node.name))}</option>"
            for node in teams
        )
    )
