from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assist"
    verbose_name = _("智能辅助")

    def ready(self):
        from assist import workbench
        from grid import workbench as grid_workbench

        grid_workbench.register(workbench.counters)

        from assist import panels
        from grievances import panels as grievance_panels

        grievance_panels.register("submit", panels.submit_panel)
        grievance_panels.register("item", panels.item_panel)

        from assist import dispatch
        from grievances.hooks import grievance_event_committed

        grievance_panels.register("dispatch", dispatch.dispatch_panel)
        # After commit: what staff chose at a dispatch, beside what was suggested.
        grievance_event_committed.register(dispatch.on_event_committed)
        # After commit: an appeal's text features, stored when it is filed or retitled.
        from assist import related

        grievance_event_committed.register_many(related.on_events_committed)
