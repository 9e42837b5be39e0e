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

        from grid.files import check_private_media_server

        # X-Sendfile needs a file-system path: refused with an object store (grid/files.py).
        checks.register(check_private_media_server)

        # Each task starts with fresh replica routing state (grid/replica.py): a write made by
        # an earlier task in the same worker process must not pin this one to the primary.
        from celery.signals import task_prerun

        from grid.replica import start_unit_of_work

        task_prerun.connect(lambda **_: start_unit_of_work(), weak=False, dispatch_uid="grid.replica.prerun")
