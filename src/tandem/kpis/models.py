"""KPIs: what an organization must sustain, their versioned rules and their data points."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.periods import Grain
from tandem.core.tenancy import TenantModel
from tandem.orgs.models import NAME_MAX, Membership, Team, validate_not_blank


def amount(verbose_name: Any, **options: bool) -> models.DecimalField:
    """A measured or target value: up to 14 digits before the point and 6 after."""
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=6, **options)  # type: ignore[arg-type]


class UnitKind(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    CURRENCY = "currency", _("Currency")
    DURATION = "duration", _("Duration")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    BAND = "band", _("Within a band")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVG = "avg", _("Average")
    LAST = "last", _("Last value")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")


class ThresholdMode(models.TextChoices):
    ABSOLUTE = "absolute", _("Values")
    PERCENT = "percent", _("Percent of target")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class RiskLevel(models.TextChoices):
    NONE = "none", _("None")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class KpiState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,59}$",
    _("Use lower-case letters, digits and underscores, starting with a letter (e.g. gross_margin)."),
)
currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO code such as VND or USD."))


class Kpi(TenantModel):
    """A metric the organization must sustain. Its rules (target, thresholds, direction, aggregation,
    frequency) live in versions, so a change never rewrites how past periods were judged."""

    key = models.CharField(_("key"), max_length=60, validators=[key_validator])
    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.NUMBER)
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[currency_validator])
    owner = models.ForeignKey(Membership, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="kpis")
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="kpis"
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    value_per_unit = amount(_("value per unit"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.NONE)
    risk_notes = models.TextField(_("risk notes"), blank=True)
    guardrails = models.ManyToManyField(
        "self", verbose_name=_("guardrails"), symmetrical=False, blank=True, related_name="guards"
    )
    state = models.CharField(_("state"), max_length=10, choices=KpiState.choices, default=KpiState.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The current period's status and watermelon flag when data last arrived: a change from one to the
    # other is what tells the owner that the KPI turned red or that a watermelon was raised.
    alert_status = models.CharField(max_length=10, blank=True)
    alert_watermelon = models.BooleanField(default=False)
    # When data last arrived and from where ("api", "import", "connector:3", "manual"): shown on its page,
    # so a number that stopped flowing is seen before anyone trusts it.
    last_received_at = models.DateTimeField(_("last data received"), null=True, blank=True)
    last_received_source = models.CharField(_("last source"), max_length=80, blank=True)
    # The current period's status as judged on ``status_on`` (the organization's date), kept so that a
    # company's home page reads one column instead of aggregating millions of points. Written as data
    # arrives and rules change, refreshed by the worker every hour; a KPI not judged today, or computed by a
    # formula (never kept: its value moves with other KPIs' data), is judged afresh when read.
    status_now = models.CharField(max_length=10, blank=True)
    status_on = models.DateField(null=True, blank=True)

    audit_type = "kpi"

    class Meta:
        verbose_name = _("KPI")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="kpi_key_unique_in_org")]

    def __str__(self) -> str:
        return self.name


class KpiVersion(TenantModel):
    """The rules of a KPI from one period on. A draft KPI edits its only version; an active KPI gets a
    new version through an approved change request."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField(_("effective from"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Grain.choices, default=Grain.MONTH)
    target = amount(_("target"), null=True, blank=True)
    threshold_mode = models.CharField(
        _("thresholds are"), max_length=10, choices=ThresholdMode.choices, default=ThresholdMode.PERCENT
    )
    amber_threshold = amount(_("amber from"), null=True, blank=True)
    red_threshold = amount(_("red from"), null=True, blank=True)
    band_low = amount(_("band low"), null=True, blank=True)
    band_high = amount(_("band high"), null=True, blank=True)
    formula = models.CharField(
        _("formula"),
        max_length=500,
        blank=True,
        help_text=_("Computed from other KPIs by key, e.g. (net_revenue - cogs) / net_revenue * 100."),
    )
    created_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("KPI version")
        ordering = ["kpi", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "number"], name="kpi_version_number_unique"),
            models.UniqueConstraint(fields=["kpi", "effective_from"], name="kpi_version_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} v{self.number}"


class PeriodTarget(TenantModel):
    """A target for one period that differs from its version's default: a seasonal month, a launch week.
    It belongs to the version, so an approved change never rewrites the targets past periods were judged by."""

    version = models.ForeignKey(KpiVersion, on_delete=models.CASCADE, related_name="period_targets")
    period_start = models.DateField(_("period"))
    target = amount(_("target"))

    class Meta:
        verbose_name = _("period target")
        ordering = ["version", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["version", "period_start"], name="period_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.period_start}: {self.target}"


class DataPoint(TenantModel):
    """One measured value of a KPI and where it came from. A change of the KPI's rules never rewrites it."""

    # Millions of rows arrive in bulk: no index of their own for these two, since the composite index and
    # the idempotency constraint below both start with them, and every index slows each insert.
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+", db_index=False)
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="data_points", db_index=False)
    date = models.DateField(_("date"))
    period_start = models.DateField(_("period"))
    value = amount(_("value"))
    source = models.CharField(_("source"), max_length=80, default="manual")
    source_key = models.CharField(_("source key"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("data point")
        # Organization first: every query is scoped by it, and the planner must not prefer the plain
        # organization index and scan all of an organization's points.
        indexes = [models.Index(fields=["organization", "kpi", "date"], name="data_point_org_kpi_date")]
        constraints = [
            # Sending the same point again (same KPI, period, source and key) updates it, never adds one.
            # Points sent without a key get a random one, so they never collide.
            models.UniqueConstraint(
                fields=["kpi", "period_start", "source", "source_key"], name="data_point_idempotency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi_id} {self.date}: {self.value}"


class ChangeRequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ChangeRequest(TenantModel):
    """A proposed change to an active KPI's rules, with its reason; the owner's manager (up the team
    tree) or an admin approves it into a new version, or rejects it with a comment."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="change_requests")
    requested_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), validators=[validate_not_blank])
    changes = models.JSONField(_("changes"))
    effective_from = models.DateField(_("effective from"))
    state = models.CharField(
        _("state"), max_length=10, choices=ChangeRequestState.choices, default=ChangeRequestState.PENDING
    )
    decided_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.ForeignKey(KpiVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "change_request"

    class Meta:
        verbose_name = _("change request")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.get_state_display()}"


class KpiComment(TenantModel):
    """A remark on a KPI by someone who may see it; it may mention people with @handle, who are told when
    they may see the KPI too."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), validators=[validate_not_blank])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("KPI comment")
        ordering = ["kpi", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]
