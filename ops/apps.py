from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: health checks, Prometheus metrics, structured logs with request ids.

    Nothing of the domain lives here: the gauges read through each app's own models with
    indexed counts, and the telemetry hooks (Celery publish/prerun/postrun, login failures)
    only observe.
    """

    name = "ops"
    verbose_name = _("运行监控")

    def ready(self):
        from ops import telemetry

        telemetry.connect()
