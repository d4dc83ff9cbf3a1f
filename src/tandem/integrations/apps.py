from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "tandem.integrations"
    label = "integrations"
    verbose_name = _("Data flow")

    def ready(self) -> None:
        from tandem.core.selectors import register_audited
        from tandem.integrations import import_selectors, webhook_selectors
        from tandem.integrations import selectors as connector_selectors

        register_audited("connector", lambda m, pk: connector_selectors.connector_get(membership=m, connector_id=pk))
        register_audited("webhook", lambda m, pk: webhook_selectors.webhook_get(membership=m, webhook_id=pk))
        register_audited("data_import", lambda m, pk: import_selectors.data_import_get(membership=m, import_id=pk))

        # The demo ERP and its connector (and the task that adds the day's orders while the demo runs).
        from tandem.integrations import demo as connector_demo
        from tandem.orgs import demo

        if connector_demo.load not in demo.EXTENSIONS:
            demo.EXTENSIONS.append(connector_demo.load)
