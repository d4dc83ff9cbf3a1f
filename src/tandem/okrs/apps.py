from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OkrsConfig(AppConfig):
    name = "tandem.okrs"
    label = "okrs"
    verbose_name = _("OKRs")

    def ready(self) -> None:
        from tandem.core.selectors import register_audited
        from tandem.kpis import points as kpi_points
        from tandem.okrs import check_ins, selectors

        register_audited("cycle", lambda m, pk: selectors.cycle_get(membership=m, cycle_id=pk))
        register_audited("objective", lambda m, pk: selectors.objective_get(membership=m, objective_id=pk))
        register_audited("key_result", lambda m, pk: selectors.key_result_get(membership=m, key_result_id=pk))
        # Key results linked to a KPI move when its data arrives, in the same transaction.
        if check_ins.key_results_follow_kpis not in kpi_points.DATA_RECEIVED:
            kpi_points.DATA_RECEIVED.append(check_ins.key_results_follow_kpis)

        from tandem.okrs import demo as okr_demo
        from tandem.orgs import demo

        if okr_demo.load not in demo.EXTENSIONS:
            demo.EXTENSIONS.append(okr_demo.load)
