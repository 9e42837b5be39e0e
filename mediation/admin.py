"""Admin: a thin, scoped face over mediation data. Centre staff see their region subtree;
state changes happen on the mediation pages through services, so states are read-only here."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from grid import permissions, privacy
from grid.uploads import UploadField
from mediation import selectors, services
from mediation.models import (
    Agreement,
    JudicialConfirmation,
    LegalAidApplication,
    LegalAidDocument,
    MediationCase,
    MediatorProfile,
    Party,
    ReturnVisit,
    Risk,
    RiskEvent,
    RiskPlan,
    Session,
)


class ScopedAdmin(admin.ModelAdmin):
    region_field = "region_code"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user, self.region_field))


class PartyInline(privacy.PersonalDataAdminMixin, admin.TabularInline):
    model = Party
    extra = 0
    fields = ("side", "name", "phone", "address", "user")
    readonly_fields = fields
    # Parties' numbers in full only to those who oversee the case (as on the case page,
    # mediation:case); the case's admin page records each such view.
    personal_fields = {"phone": "phone"}

    def handles_personal_data(self, request, obj):
        return services.can_oversee_case(request.user, obj)
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    fields = ("mode", "scheduled_at", "place", "participants", "minutes", "next_steps", "held")
    readonly_fields = ("mode", "scheduled_at", "place", "participants", "minutes", "next_steps", "held")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MediationCase)
class MediationCaseAdmin(privacy.PersonalDataAdminMixin, ScopedAdmin):
    # No personal field of its own; records the parties' numbers its inline shows in full.

    def personal_data_subject(self, obj):
        return selectors.privacy_subject(obj)

    list_display = ("grievance", "organisation", "state", "opened_at", "ended_at")
    list_filter = ("state", "organisation__org_type")
    list_select_related = ("grievance", "organisation")
    search_fields = ("grievance__tracking_no", "grievance__title")
    # Everything changes through the mediation pages (services keep counts, events and the
    # grievance in step); the admin is for looking and searching.
    fields = ("grievance", "organisation", "state", "mediators", "facts", "outcome_note", "guidance",
              "termination_reason", "opened_by", "opened_at", "ended_at", "performance_supervised")
    readonly_fields = fields
    inlines = [PartyInline, SessionInline]

    def has_add_permission(self, request):
        return False


@admin.register(Agreement)
class AgreementAdmin(ScopedAdmin):
    region_field = "case__region_code"
    list_display = ("number", "case", "performance_deadline", "signed_on")
    list_select_related = ("case__grievance",)
    readonly_fields = ("case", "number", "pdf", "created_by", "created_at")
    search_fields = ("number",)

    def has_add_permission(self, request):
        return False


class JudicialConfirmationAdminForm(forms.ModelForm):
    document_file = UploadField(policy="mediation_material", model_file=True, required=False, label=_("材料附件"))


@admin.register(JudicialConfirmation)
class JudicialConfirmationAdmin(ScopedAdmin):
    form = JudicialConfirmationAdminForm
    region_field = "case__region_code"
    list_display = ("case", "court", "applied_on", "status", "decided_on")
    list_filter = ("status",)
    list_select_related = ("case__grievance",)
    readonly_fields = ("case", "status", "recorded_by", "created_at")

    def has_add_permission(self, request):
        return False


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ScopedAdmin):
    list_display = ("case", "scheduled_for", "visited_at", "performed", "satisfied")
    list_filter = ("performed",)
    list_select_related = ("case__grievance",)
    readonly_fields = ("case", "visited_at", "visited_by", "performed", "satisfied", "note")

    def has_add_permission(self, request):
        return False


@admin.register(MediatorProfile)
class MediatorProfileAdmin(ScopedAdmin):
    list_display = ("user", "title", "languages", "expertise", "is_public")
    list_filter = ("is_public",)
    list_select_related = ("user",)
    search_fields = ("user__display_name", "expertise", "languages")
    raw_id_fields = ("user",)


class RiskPlanInline(admin.StackedInline):
    model = RiskPlan
    extra = 0
    fields = ("measures", "responsible_person", "target_date", "updated_by", "updated_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RiskEventInline(admin.TabularInline):
    model = RiskEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "action", "from_status", "to_status", "note")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(ScopedAdmin):
    list_display = ("title", "region", "category", "level", "responsible_unit", "status", "found_on")
    list_filter = ("status", "level", "category")
    list_select_related = ("region", "category", "responsible_unit")
    search_fields = ("title",)
    readonly_fields = ("status", "grievance", "reported_by", "resolved_at", "created_at")
    raw_id_fields = ("region", "responsible_unit")
    inlines = [RiskPlanInline, RiskEventInline]

    def has_add_permission(self, request):
        return False


class LegalAidDocumentInline(admin.TabularInline):
    model = LegalAidDocument
    extra = 0
    readonly_fields = ("name", "file", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LegalAidApplication)
class LegalAidApplicationAdmin(privacy.PersonalDataAdminMixin, ScopedAdmin):
    list_display = ("grievance", "applicant_name", "case_type", "status", "lawyer", "decided_at")
    list_filter = ("status", "case_type")
    list_select_related = ("grievance", "lawyer")
    search_fields = ("grievance__tracking_no", "applicant_name")
    readonly_fields = ("grievance", "status", "lawyer", "refusal_reason", "decided_by", "decided_at", "created_at")
    inlines = [LegalAidDocumentInline]
    # The ID number in full only to the legal aid centre that handles the application.
    personal_fields = {"id_number": "id_number"}

    def handles_personal_data(self, request, obj):
        return services.handles_legal_aid(request.user, obj)

    def personal_data_subject(self, obj):
        return selectors.legal_aid_privacy_subject(obj)

    def has_add_permission(self, request):
        return False

