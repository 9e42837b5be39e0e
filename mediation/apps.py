from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mediation"
    verbose_name = _("矛盾纠纷调解")

    def ready(self):
        from grid import files
        from grievances.hooks import grievance_dispatched_to_mediation
        from mediation import selectors
        from mediation.models import (
            Agreement,
            AgreementDraft,
            JudicialConfirmation,
            LegalAidDocument,
            Recording,
        )
        from mediation.services.cases import on_dispatched_to_mediation

        files.register(Agreement, "pdf", visible=lambda r: selectors.agreements_visible_to(r.user),
                       filename=lambda a, f: f"agreement-{a.case_id}")
        files.register(JudicialConfirmation, "document_file",
                       visible=lambda r: selectors.confirmations_visible_to(r.user),
                       filename=lambda jc, f: f"confirmation-{jc.pk}")
        files.register(LegalAidDocument, "file", visible=lambda r: selectors.legal_aid_documents_visible_to(r.user),
                       filename=lambda d, f: d.name)
        files.register(Recording, "file", visible=lambda r: selectors.recordings_visible_to(r.user),
                       filename=lambda rec, f: f"session-{rec.session_id}-recording-{rec.pk}.webm")
        files.register(AgreementDraft, "pdf", visible=lambda r: selectors.drafts_visible_to(r.user),
                       filename=lambda d, f: f"agreement-draft-{d.pk}.pdf")
        # A dispute dispatched to a mediation organisation opens its case, in the same transaction.
        grievance_dispatched_to_mediation.register(on_dispatched_to_mediation)
