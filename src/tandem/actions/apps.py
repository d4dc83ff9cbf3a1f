from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "tandem.actions"
    label = "actions"
    verbose_name = _("Actions")

    def ready(self) -> None:
        from tandem.actions import selectors
        from tandem.core.selectors import register_audited

        register_audited("action", lambda m, pk: selectors.action_get(membership=m, action_id=pk))

        from tandem.actions import demo as action_demo
        from tandem.orgs import demo

        if action_demo.load not in demo.EXTENSIONS:
            demo.EXTENSIONS.append(action_demo.load)
