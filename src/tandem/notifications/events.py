"""Every event Tandem tells people about, grouped into the kinds a person chooses channels for.

An app calls :func:`tandem.notifications.services.notify` with one of the events below; the event's kind
decides, from the recipient's preferences (or the kind's default), whether it lands in the in-app inbox,
in an email, in both or nowhere. The sentence is rendered when it is read, in the reader's language, from
the event's template and the parameters the caller stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Text
else:
    from django.utils.functional import Promise as Text


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("Email")
    BOTH = "both", _("In the app and by email")
    NONE = "none", _("Off")


IN_APP_CHANNELS = (Channel.IN_APP, Channel.BOTH)
EMAIL_CHANNELS = (Channel.EMAIL, Channel.BOTH)


@dataclass(frozen=True)
class Kind:
    """A group of events a person turns on or off together."""

    key: str
    label: Text
    help: Text
    default: Channel


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "change_requests",
            _("KPI change requests"),
            _("A change request waits for your decision, or yours was approved or rejected."),
            Channel.BOTH,
        ),
        Kind(
            "okr_changes",
            _("Changes in your alignment chain"),
            _("Someone else changed an objective or key result above, beside or below yours."),
            Channel.BOTH,
        ),
        Kind("actions", _("Actions assigned to you"), _("Someone gave you an action."), Channel.BOTH),
        Kind(
            "action_due",
            _("Actions due and overdue"),
            _("One of your actions is due tomorrow or is overdue."),
            Channel.BOTH,
        ),
        Kind("mentions", _("Mentions"), _("Someone mentioned you with @ in a comment."), Channel.BOTH),
        Kind(
            "comments",
            _("Comments on your objectives and KPIs"),
            _("Someone commented on an objective, key result or KPI you own."),
            Channel.BOTH,
        ),
        Kind("kpi_red", _("KPIs turning red"), _("A KPI you own or manage went off target."), Channel.BOTH),
        Kind(
            "watermelon",
            _("Watermelon flags"),
            _("A KPI you own or manage is green while one of its guardrails is red."),
            Channel.BOTH,
        ),
        Kind(
            "connectors",
            _("Failing data connectors"),
            _("A connector you own kept failing and stopped feeding its KPIs."),
            Channel.BOTH,
        ),
        Kind(
            "feedback",
            _("1:1 feedback"),
            _("Your manager or your report wrote in your private feedback thread."),
            Channel.BOTH,
        ),
        Kind(
            "check_in_reminders",
            _("Weekly check-in reminder"),
            _("Your key results have had no check-in for a week."),
            Channel.BOTH,
        ),
        Kind(
            "digest",
            _("Weekly digest for managers"),
            _("Your teams' red and amber KPIs, objectives at risk, overdue actions and missing check-ins."),
            Channel.EMAIL,
        ),
    )
}


@dataclass(frozen=True)
class Event:
    """One thing that happened; ``sentence`` is formatted with the stored parameters plus ``actor``."""

    key: str
    kind: str
    sentence: Text


EVENTS: dict[str, Event] = {
    event.key: event
    for event in (
        Event(
            "change_request.submitted",
            "change_requests",
            _("%(actor)s asks to change the rules of the KPI “%(title)s”: %(reason)s"),
        ),
        Event(
            "change_request.approved",
            "change_requests",
            _("%(actor)s approved your change to the KPI “%(title)s”."),
        ),
        Event(
            "change_request.rejected",
            "change_requests",
            _("%(actor)s rejected your change to the KPI “%(title)s”: %(comment)s"),
        ),
        Event("objective.created", "okr_changes", _("%(actor)s added the objective “%(title)s”, aligned with yours.")),
        Event("objective.changed", "okr_changes", _("%(actor)s changed the objective “%(title)s”: %(changes)s.")),
        Event("objective.deleted", "okr_changes", _("%(actor)s deleted the objective “%(title)s”.")),
        Event("key_result.created", "okr_changes", _("%(actor)s added the key result “%(title)s” to “%(objective)s”.")),
        Event("key_result.changed", "okr_changes", _("%(actor)s changed the key result “%(title)s”: %(changes)s.")),
        Event(
            "key_result.deleted",
            "okr_changes",
            _("%(actor)s deleted the key result “%(title)s” of “%(objective)s”."),
        ),
        Event("action.assigned", "actions", _("%(actor)s gave you the action “%(title)s” (due %(due)s).")),
        Event("action.due_tomorrow", "action_due", _("Your action “%(title)s” is due tomorrow.")),
        Event("action.overdue", "action_due", _("Your action “%(title)s” was due %(due)s and is not done.")),
        Event("comment.mention", "mentions", _("%(actor)s mentioned you on “%(title)s”: %(excerpt)s")),
        Event("comment.posted", "comments", _("%(actor)s commented on “%(title)s”: %(excerpt)s")),
        Event("kpi.red", "kpi_red", _("The KPI “%(title)s” turned red for %(period)s.")),
        Event("kpi.watermelon", "watermelon", _("The KPI “%(title)s” is green while %(guardrails)s is red.")),
        Event(
            "connector.failing",
            "connectors",
            _("The connector “%(title)s” failed %(failures)s times in a row: %(error)s"),
        ),
        Event("feedback.posted", "feedback", _("%(actor)s wrote in your 1:1 feedback: %(excerpt)s")),
        Event(
            "check_in.reminder",
            "check_in_reminders",
            _("Time for your weekly check-in: %(count)s key results have had no check-in for a week."),
        ),
        Event(
            "digest.weekly",
            "digest",
            _(
                "Your weekly digest: %(red)s red and %(amber)s amber KPIs, %(at_risk)s objectives at risk, "
                "%(overdue)s overdue actions, %(missing)s people without a check-in."
            ),
        ),
    )
}


def kind_of(event: str) -> Kind:
    """The kind an event belongs to; an event nobody registered is a programming error."""
    return KINDS[EVENTS[event].kind]


def excerpt(text: str, length: int = 140) -> str:
    """A comment's opening words for a sentence: one line, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0] + "…"
