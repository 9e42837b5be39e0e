from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PufaMediaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pufa_media"
    verbose_name = _("普法宣传")

    def ready(self):
        from legalqa.answer_selectors import register_step_provider
        from pufa_media.answer_steps import video_steps

        register_step_provider(video_steps)
