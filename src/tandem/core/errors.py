"""Domain errors that carry their HTTP status.

Services raise these; one handler turns them into JSON for the API
(``tandem.api``) and one into pages or form errors for the UI
(``tandem.core.middleware``), so the two never disagree.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)

    @property
    def errors(self) -> list[dict[str, str]]:
        return []


class NotFound(DomainError):
    """Missing and not-yours look the same, so another organization's ids are never confirmed."""

    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    status = 409
    default_message = _("This conflicts with the current state.")


class Gone(DomainError):
    status = 410
    default_message = _("This is no longer available.")


class ValidationError(DomainError):
    """Bad input, with the field it concerns; several may be collected into one error."""

    status = 422
    default_message = _("Some fields are not valid.")

    def __init__(
        self, field: str | None = None, message: str | None = None, *, errors: list[dict[str, str]] | None = None
    ) -> None:
        self.field_errors: list[dict[str, str]] = list(errors or [])
        if field is not None or message is not None:
            self.field_errors.append({"field": field or "", "message": str(message or "")})
        summary = self.field_errors[0]["message"] if len(self.field_errors) == 1 else None
        super().__init__(summary)

    @property
    def errors(self) -> list[dict[str, str]]:
        return self.field_errors

    @classmethod
    def from_django(cls, exc) -> ValidationError:
        """Wrap Django's ValidationError (from ``full_clean``) keeping each field and message."""
        errors: list[dict[str, str]] = []
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                name = "" if field == "__all__" else field
                errors.extend({"field": name, "message": str(m)} for m in messages)
        else:
            errors.extend({"field": "", "message": str(m)} for m in exc.messages)
        return cls(errors=errors)


def full_clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    """``obj.full_clean()``, its errors raised as our :class:`ValidationError` with the fields they concern."""
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from None


def amount_of(raw: object) -> Decimal | None:
    """A value as people and systems send it ("12.5", 12.5, 12) as a Decimal, or None when it is not a
    finite number with at most 14 digits before the point (what amounts are stored with)."""
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        return None
    return value
