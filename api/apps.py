from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("开放接口")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from api.services import on_grievance_events
        from api.webhooks import WebhookBackend
        from grid.notifications.backends import register_backend
        from grievances.hooks import grievance_event_recorded

        # The update pushed to the channel commits (as an outbox row) with the event itself.
        grievance_event_recorded.register_many(on_grievance_events)
        register_backend("webhook", WebhookBackend)
