from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    name = "tandem.kpis"
    label = "kpis"
    verbose_name = _("KPIs")

    def ready(self) -> None:
        from tandem.core.selectors import register_audited
        from tandem.kpis import selectors

        register_audited("kpi", lambda m, pk: selectors.kpi_get(membership=m, kpi_id=pk))
        # A KPI that turns red or into a watermelon is told as its data arrives, in the same transaction.
        from tandem.kpis import alerts
        from tandem.kpis import points as kpi_points

        if alerts.kpi_alerts_update not in kpi_points.DATA_RECEIVED:
            kpi_points.DATA_RECEIVED.append(alerts.kpi_alerts_update)

        # Quarters and years move with the fiscal year: every kept status is judged afresh.
        from tandem.kpis.current_status import statuses_forget
        from tandem.orgs import services as orgs_services

        if statuses_forget not in orgs_services.FISCAL_YEAR_CHANGED:
            orgs_services.FISCAL_YEAR_CHANGED.append(statuses_forget)

        from tandem.kpis import demo as kpi_demo
        from tandem.orgs import demo

        if kpi_demo.load not in demo.EXTENSIONS:
            demo.EXTENSIONS.append(kpi_demo.load)
