from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalqaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "legalqa"
    verbose_name = _("法律服务")
