"""Organizations (tenants), the people in them, teams, invitations and API tokens."""

from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from tandem.core.tenancy import TenantModel

NAME_MAX = 120


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone, e.g. Asia/Ho_Chi_Minh."), params={"value": value})


def validate_not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("This cannot be only spaces."))


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


class Organization(models.Model):
    """A tenant: one company, fully isolated from every other."""

    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="en")
    # When the worker sends the weekly check-in reminders and managers' digests, in the organization's time zone.
    reminder_weekday = models.PositiveSmallIntegerField(
        _("day of the weekly reminders and digests"), choices=list(WEEKDAYS.items()), default=0
    )
    reminder_hour = models.PositiveSmallIntegerField(
        _("hour of the weekly reminders and digests"), default=9, validators=[MaxValueValidator(23)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "organization"

    class Meta:
        verbose_name = _("organization")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def organization(self) -> Organization:
        return self

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's login. What they may do depends on their membership of each organization."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=NAME_MAX, validators=[validate_not_blank])
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty means the organization's default."),
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()


class Membership(TenantModel):
    """A person in an organization: their role, job title and manager. The API calls these "people"."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    job_title = models.CharField(_("job title"), max_length=NAME_MAX, blank=True)
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "person"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.full_name or self.user.email

    @property
    def handle(self) -> str:
        """What others type after @ to mention this person in a comment: their email up to the @."""
        return self.user.email.split("@", 1)[0].lower()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != Role.VIEWER


class Team(TenantModel):
    """A team in the organization's tree, with a manager and members."""

    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank, MinLengthValidator(1)])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        Membership,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    members = models.ManyToManyField(Membership, verbose_name=_("members"), blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "team"

    class Meta:
        verbose_name = _("team")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_name_unique_in_org")]

    def __str__(self) -> str:
        return self.name


class Invitation(TenantModel):
    """An invitation link for someone to join the organization with a role. The link's token is stored hashed."""

    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_type = "invitation"

    class Meta:
        verbose_name = _("invitation")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class TokenScope(models.TextChoices):
    FULL = "full", _("Everything its owner can do")
    INGEST = "ingest", _("Only send data points")


class ApiToken(TenantModel):
    """A personal API token: acts as its owner in one organization. Only its hash is stored. An ingestion
    token (scope ``ingest``) is the organization's, made by an admin for a system that pushes data: it may
    only send data points, never read people, KPIs or OKRs."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=NAME_MAX, validators=[validate_not_blank])
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.FULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_type = "token"

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
