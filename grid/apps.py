from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grid"
    verbose_name = _("网格与组织")

    def ready(self):
        from grid.hooks import check_required_listeners

        # A required hook point with no listener is a start-up error (grid/hooks.py).
        checks.register(check_required_listeners)
