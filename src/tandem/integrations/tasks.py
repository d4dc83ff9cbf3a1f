"""The worker's tasks for data flow, gathered where Huey looks for them (each app's ``tasks`` module):
connector runs and their schedule, webhook deliveries, and the demo ERP's new orders."""

from tandem.integrations.connector_tasks import connector_run_task, connectors_due
from tandem.integrations.demo import demo_erp_tick
from tandem.integrations.webhook_tasks import webhook_deliver, webhook_deliver_due

__all__ = ["connector_run_task", "connectors_due", "demo_erp_tick", "webhook_deliver", "webhook_deliver_due"]
