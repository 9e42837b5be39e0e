from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grievances.deadlines"
    label = "deadlines"
    verbose_name = _("办理时限")

    def ready(self):
        from grievances.deadlines.services import handle_grievance_events
        from grievances.hooks import grievance_event_recorded

        # The 137+2030 clocks move with every event, in the event's own transaction (one
        # event, or a chunk of the scan's at once: the listener takes a list).
        grievance_event_recorded.register_many(handle_grievance_events)

        from grid import workbench
        from grievances.deadlines import workbench as counters

        workbench.register(counters.counters)
