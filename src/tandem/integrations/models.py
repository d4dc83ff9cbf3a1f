"""Data flow: connectors that pull data points on a schedule, file imports, and outgoing webhooks.

Every run of a connector and every file import leaves a row behind (when, how many rows read, written and
skipped, and the error in words), so any number on a KPI can be traced back to the system it came from.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel
from tandem.kpis.models import Kpi
from tandem.orgs.models import NAME_MAX, Membership, validate_not_blank


class ConnectorKind(models.TextChoices):
    SQL = "sql", _("SQL database")
    HTTP = "http", _("HTTP/JSON endpoint")


class ScheduleKind(models.TextChoices):
    MANUAL = "manual", _("Only when run by hand")
    MINUTES = "minutes", _("Every N minutes")
    HOURLY = "hourly", _("Every hour")
    DAILY = "daily", _("Every day at a time")
    CRON = "cron", _("Cron expression")


class ConnectorHealth(models.TextChoices):
    NEW = "new", _("Not run yet")
    OK = "ok", _("Working")
    RETRYING = "retrying", _("Retrying")
    FAILING = "failing", _("Failing")


class Connector(TenantModel):
    """A scheduled pull of data points from a system the organization runs: a SQL query against its
    database, or an HTTP/JSON endpoint. The points go to ``kpi`` when the source gives (date, value), or to
    the KPI each row names by key when it gives (kpi_key, date, value). It acts as its owner: it may only
    write to KPIs the owner may record data for.

    Credentials (the connection URL, HTTP headers) are sealed in ``sealed_secrets`` and never shown back in
    full; ``config`` holds the rest (query, method, extraction expression, pagination).
    """

    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    kind = models.CharField(_("kind"), max_length=10, choices=ConnectorKind.choices)
    owner = models.ForeignKey(Membership, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="connectors")
    kpi = models.ForeignKey(
        Kpi, verbose_name=_("KPI"), null=True, blank=True, on_delete=models.CASCADE, related_name="connectors"
    )
    config = models.JSONField(_("settings"), default=dict, blank=True)
    sealed_secrets = models.TextField(blank=True)
    schedule_kind = models.CharField(
        _("schedule"), max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.MANUAL
    )
    # "15" for every 15 minutes, "07:30" for daily, "*/10 8-18 * * 1-5" for cron; empty otherwise.
    schedule_value = models.CharField(_("schedule detail"), max_length=100, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # The latest date the last successful run received: the next run's ``:since``.
    since = models.DateField(null=True, blank=True)
    health = models.CharField(max_length=10, choices=ConnectorHealth.choices, default=ConnectorHealth.NEW)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_type = "connector"

    class Meta:
        verbose_name = _("connector")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="connector_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """The ``source`` of the data points it writes: stable, so a re-run updates instead of adding."""
        return f"connector:{self.pk}"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")
    RETRY = "retry", _("Retry")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class SyncRun(TenantModel):
    """One run of a connector: when it started and ended, how many rows it read, wrote and skipped, and
    what went wrong in words a person can act on. A run the worker never finished (killed, machine lost)
    stays ``running`` until the next run finds it and marks it failed."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The first bad rows, [{"row": 12, "field": "value", "message": "…"}], when rows were skipped.
    row_errors = models.JSONField(default=list, blank=True)
    # Who runs it ("host:pid") and when it last showed progress: a run whose worker is gone, or that has
    # shown none for too long, is found and marked interrupted by the next run of its connector.
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sync run")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["connector", "-started_at"], name="sync_run_connector_started")]

    def __str__(self) -> str:
        return f"{self.connector_id} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    IMPORTED = "imported", _("Imported")
    PARTIAL = "partial", _("Imported, bad rows skipped")
    REJECTED = "rejected", _("Rejected: nothing written")


class DataImport(TenantModel):
    """A CSV or Excel file uploaded to add data points: kept from upload until it is imported (the preview
    and the column mapping read it again), then its outcome stays as the record of where the points came
    from. ``sha256`` recognises the same file uploaded again."""

    uploaded_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=10)  # "csv" or "xlsx"
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(blank=True)
    # The mapping and reading choices: {"kpi": "Metric", "date": "Day", "value": "Amount", "note": "",
    # "source_key": "", "date_format": "%d/%m/%Y", "encoding": "utf-8", "sheet": "", "kpi_fixed": 12}.
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    # The first bad rows, [{"row": 12, "column": "Amount", "message": "…"}].
    row_errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    audit_type = "data_import"

    class Meta:
        verbose_name = _("data import")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class Webhook(TenantModel):
    """An endpoint of the organization's own systems told about events as they happen. Each delivery is
    signed with HMAC-SHA256 under the webhook's secret (sealed at rest), so the receiver can trust it."""

    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    sealed_secrets = models.TextField(blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "webhook"

    class Meta:
        verbose_name = _("webhook")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(TenantModel):
    """One event sent (or still to send) to one webhook, with every attempt's outcome. The worker retries
    with growing delays until the receiver answers 2xx or the attempts run out."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
