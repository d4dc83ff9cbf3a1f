"""Organization scoping that fails closed.

Tenant-owned models inherit :class:`TenantModel`. Their ``objects`` manager
refuses to build an unscoped query: code must say ``Model.objects.for_org(org)``
or, where it truly needs every organization (authentication by token, the
benchmark, migrations), ``Model.objects.unscoped()`` — a word that stands out in
review and that ``tests/core/test_tenancy.py`` keeps to an allow-list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models

if TYPE_CHECKING:
    from tandem.orgs.models import Organization

M = TypeVar("M", bound=models.Model)


class UnscopedQueryError(RuntimeError):
    pass


class TenantManager(models.Manager[M], Generic[M]):
    def get_queryset(self) -> models.QuerySet[M]:
        if getattr(self, "instance", None) is not None:
            # A related manager (team.members, membership.teams) is already scoped by its parent row.
            return super().get_queryset()
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects needs .for_org(organization) (or .unscoped(), reviewed)"
        )

    def for_org(self, organization: Organization | int) -> models.QuerySet[M]:
        return super().get_queryset().filter(organization=organization)

    def unscoped(self) -> models.QuerySet[M]:
        return super().get_queryset()

    def create(self, **kwargs: Any) -> M:
        if "organization" not in kwargs and "organization_id" not in kwargs:
            raise UnscopedQueryError(f"{self.model.__name__} needs an organization")
        return super().get_queryset().create(**kwargs)


class TenantModel(models.Model):
    """A row that belongs to exactly one organization."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")

    # Declared first so that Django's own machinery (uniqueness checks, deletion, related
    # managers) has a plain default manager; application code uses ``objects``.
    all_organizations = models.Manager()
    objects: TenantManager[Any] = TenantManager()

    class Meta:
        abstract = True
