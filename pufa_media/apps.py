from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PufaMediaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pufa_media"
    verbose_name = _("普法宣传")
