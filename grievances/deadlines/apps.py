from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grievances.deadlines"
    label = "deadlines"
    verbose_name = _("办理时限")
