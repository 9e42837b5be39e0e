from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrievancesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grievances"
    verbose_name = _("诉求办理")

    def ready(self):
        from grid import files
        from grievances.models import Attachment, StagedUpload
        from grievances.selectors import staged_uploads_visible_to
        from grievances.views import visible_attachments

        files.register(Attachment, "file", visible=visible_attachments, filename=lambda a, f: a.original_name)
        files.register(Attachment, "thumbnail", visible=visible_attachments,
                       filename=lambda a, f: f"thumb-{a.original_name}")
        files.register(StagedUpload, "file", visible=lambda r: staged_uploads_visible_to(r.user),
                       filename=lambda st, f: st.original_name)
        files.register(StagedUpload, "thumbnail", visible=lambda r: staged_uploads_visible_to(r.user),
                       filename=lambda st, f: f"thumb-{st.original_name}")

        from grid import workbench
        from grievances import workbench as counters

        workbench.register(counters.counters)
