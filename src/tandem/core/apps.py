from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from tandem.core.upkeep import statistics_refresh

        def after_migrate(*, plan: list[Any] | None = None, using: str = "default", **_kwargs: Any) -> None:
            # New indexes need statistics before SQLite's planner will choose them well.
            if plan:
                statistics_refresh(using=using)

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="tandem-statistics-after-migrate", weak=False)
