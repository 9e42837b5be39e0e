from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawyersConfig(AppConfig):
    """Lawyer Q&A and public legal services (在线问法, 掌上通): DOMAIN.md §7."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "legalqa.lawyers"
    label = "lawyers"
    verbose_name = _("律师问答与公共法律服务")

    def ready(self):
        from grid import files
        from legalqa.answer_selectors import register_step_provider
        from legalqa.lawyers import selectors
        from legalqa.lawyers.answer_steps import lawyer_steps
        from legalqa.lawyers.models import Attachment, DocumentTemplate, LawyerProfile, ServiceApplication

        register_step_provider(lawyer_steps)
        files.register(Attachment, "file", visible=lambda r: selectors.qa_attachments_visible_to(r.user),
                       filename=lambda a, f: f"qa-{a.question_id}-{a.pk}")
        files.register(ServiceApplication, "documents", visible=lambda r: selectors.applications_visible_to(r.user),
                       filename=lambda a, f: f"application-{a.pk}")
        files.register(DocumentTemplate, "file", visible=lambda r: selectors.template_files_visible_to(r.user),
                       filename=lambda t, f: t.title)
        files.register(LawyerProfile, "photo", visible=lambda r: selectors.lawyer_photos_visible_to(r.user),
                       filename=lambda p, f: f"lawyer-{p.pk}")
