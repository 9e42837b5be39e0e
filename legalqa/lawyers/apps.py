from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawyersConfig(AppConfig):
    """Lawyer Q&A and public legal services (在线问法, 掌上通): DOMAIN.md §7."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "legalqa.lawyers"
    label = "lawyers"
    verbose_name = _("律师问答与公共法律服务")

    def ready(self):
        from legalqa.answer_selectors import register_step_provider
        from legalqa.lawyers.answer_steps import lawyer_steps

        register_step_provider(lawyer_steps)
