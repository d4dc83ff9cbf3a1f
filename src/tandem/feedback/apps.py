from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "tandem.feedback"
    label = "feedback"
    verbose_name = _("1:1 feedback")

    def ready(self) -> None:
        from tandem.core.selectors import register_audited
        from tandem.feedback import selectors

        # A thread's history is as private as the thread: its two people and administrators.
        register_audited("feedback_thread", lambda m, pk: selectors.thread_get(membership=m, thread_id=pk))
