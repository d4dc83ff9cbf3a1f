"""OKRs: what an organization must change. Cycles with a lifecycle, objectives aligned in a tree, key
results measured "from X to Y", and the check-ins that move them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.kpis.models import Kpi, Visibility, amount
from tandem.orgs.models import NAME_MAX, Membership, Team, validate_not_blank

TITLE_MAX = 300


def ratio(verbose_name: object, **options: object) -> models.DecimalField:
    """Progress or a score between 0 and 1, kept at four decimals."""
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4, **options)  # type: ignore[arg-type]


class CycleKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    CUSTOM = "custom", _("Custom dates")


class CycleState(models.TextChoices):
    PLANNING = "planning", _("Planning")
    ACTIVE = "active", _("Active")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


class Cycle(TenantModel):
    """A period OKRs are set for: drafted while planning, checked in while active, scored while closing,
    read-only once closed. Several may run at once (a quarter and a month inside it)."""

    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    kind = models.CharField(_("kind"), max_length=10, choices=CycleKind.choices, default=CycleKind.QUARTER)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    state = models.CharField(_("state"), max_length=10, choices=CycleState.choices, default=CycleState.PLANNING)
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "cycle"

    class Meta:
        verbose_name = _("cycle")
        ordering = ["-start", "name"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="cycle_ends_after_start")]

    def __str__(self) -> str:
        return self.name

    def encloses(self, other: Cycle) -> bool:
        return self.start <= other.start and other.end <= self.end


class Level(models.TextChoices):
    COMPANY = "company", _("Company")
    TEAM = "team", _("Team")
    PERSON = "person", _("Person")


class ObjectiveKind(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    ASPIRATIONAL = "aspirational", _("Aspirational")


class Objective(TenantModel):
    """What should change in a cycle, owned by a person or a team (or the company when neither), aligned to
    a parent objective. Its progress is the weighted mean of its key results; the tree's roll-up (the mean
    progress of every objective aligned under it) is kept up to date by the check-in services."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_not_blank])
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        Membership, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=14, choices=ObjectiveKind.choices, default=ObjectiveKind.COMMITTED)
    parent = models.ForeignKey(
        "self", verbose_name=_("aligned to"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # Ids of the ancestors, root first, as "/3/17/": the subtree and the ancestors in one indexed query.
    path = models.CharField(max_length=1000, default="/", db_index=True)
    # How many ancestors it has (0 at the top): the tree opens its first levels with one indexed filter.
    depth = models.PositiveSmallIntegerField(default=0)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    progress = ratio(_("progress"), default=0)
    # Whether one of its key results is at risk or off track, kept with its progress (``objective_recompute``)
    # so that a cycle's thousands of objectives are counted and ordered without reading their key results.
    at_risk = models.BooleanField(default=False)
    descendants = models.PositiveIntegerField(default=0)
    descendants_progress = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    score = ratio(_("score"), null=True, blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    to_change = models.TextField(_("what to change"), blank=True)
    carried_from = models.ForeignKey(
        "self", verbose_name=_("carried over from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "objective"

    class Meta:
        verbose_name = _("objective")
        ordering = ["cycle", "path", "title", "id"]
        indexes = [models.Index(fields=["organization", "cycle", "depth"], name="objective_org_cycle_depth")]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(team__isnull=True), name="objective_owned_by_person_or_team"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def aligned_progress(self) -> object:
        """The mean progress of every objective aligned under this one, or None without any."""
        return self.descendants_progress / self.descendants if self.descendants else None

    @property
    def success_line(self) -> float:
        """The score that counts as success: 0.7 for an aspirational objective, 1.0 for a committed one."""
        return 0.7 if self.kind == ObjectiveKind.ASPIRATIONAL else 1.0


class ResultType(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    CURRENCY = "currency", _("Currency")
    YES_NO = "yes_no", _("Yes / no")
    MILESTONES = "milestones", _("Milestones")


class KpiRule(models.TextChoices):
    LATEST = "latest", _("Latest period's value")
    SUM = "sum", _("Sum over the cycle")
    AVERAGE = "average", _("Average over the cycle")


class Confidence(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


# The confidences that put a key result, and so its objective, at risk.
AT_RISK = (Confidence.AT_RISK, Confidence.OFF_TRACK)


class KeyResult(TenantModel):
    """A measurable result "from X to Y" (increasing or decreasing), a yes/no, or a checklist of milestones.
    Linked to a KPI, it takes its current value from the KPI's data over the cycle."""

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="key_results"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_not_blank])
    type = models.CharField(_("type"), max_length=12, choices=ResultType.choices, default=ResultType.NUMBER)
    start_value = amount(_("from"), default=0)  # type: ignore[arg-type]
    target_value = amount(_("to"))
    current_value = amount(_("current value"), default=0)  # type: ignore[arg-type]
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2, default=1)
    owner = models.ForeignKey(Membership, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="key_results")
    kpi = models.ForeignKey(
        Kpi, verbose_name=_("driven by KPI"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kpi_rule = models.CharField(_("KPI value"), max_length=10, choices=KpiRule.choices, default=KpiRule.LATEST)
    progress = ratio(_("progress"), default=0)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices, blank=True)
    last_check_in_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    score = ratio(_("score"), null=True, blank=True)
    score_reason = models.TextField(_("why this score"), blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "key_result"

    class Meta:
        verbose_name = _("key result")
        ordering = ["objective", "position", "id"]
        # The check-ins due are the few key results not checked in lately, out of a company's tens of thousands.
        indexes = [models.Index(fields=["organization", "last_check_in_at"], name="key_result_org_last_check_in")]
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0), name="key_result_weight_positive")]

    def __str__(self) -> str:
        return self.title


class Milestone(TenantModel):
    """One step of a milestones key result; the share of steps done is its progress."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_not_blank])
    done = models.BooleanField(_("done"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("milestone")
        ordering = ["key_result", "position", "id"]

    def __str__(self) -> str:
        return self.title


class CheckInSource(models.TextChoices):
    MANUAL = "manual", _("Check-in")
    KPI = "kpi", _("KPI")


class CheckIn(TenantModel):
    """A key result's new value with the owner's confidence and a note; the history draws its chart. KPI-driven
    key results check themselves in when the KPI's data arrives (source "KPI")."""

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    value = amount(_("value"))
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=CheckInSource.choices, default=CheckInSource.MANUAL)
    author = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("check-in")
        ordering = ["key_result", "-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "key_result", "created_at"], name="check_in_org_kr_time")]

    def __str__(self) -> str:
        return f"{self.key_result_id}: {self.value}"


class Comment(TenantModel):
    """A remark on an objective or one of its key results."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="comments")
    key_result = models.ForeignKey(KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), validators=[validate_not_blank])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        ordering = ["objective", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]
