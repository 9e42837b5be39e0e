"""Staff's admin for the lawyer Q&A: a thin face over services, lists scoped by region."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from grid import permissions, privacy
from grid.uploads import UploadField
from legalqa.lawyers import selectors, services
from legalqa.lawyers.models import (
    AwardEntry,
    AwardRate,
    CallbackRequest,
    CallLog,
    Commission,
    DocumentTemplate,
    LawyerProfile,
    LitigationGuide,
    QAConfig,
    Question,
    ServiceApplication,
)


class RegionScopedAdmin(admin.ModelAdmin):
    region_field = "region_code"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user, self.region_field))


@admin.register(QAConfig)
class QAConfigAdmin(admin.ModelAdmin):
    list_display = ["__str__", "answer_limit", "escalation_minutes", "decide_after_days",
                    "commission_window_minutes", "default_award_amount"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not QAConfig.objects.exists()


class LawyerProfileAdminForm(forms.ModelForm):
    photo = UploadField(policy="lawyer_photo", model_file=True, required=False, label=_("照片"))


@admin.register(LawyerProfile)
class LawyerProfileAdmin(RegionScopedAdmin):
    form = LawyerProfileAdminForm
    list_display = ["name", "licence_no", "firm", "region", "years", "rating_avg", "rating_count", "verified"]
    list_filter = ["fields", ("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "licence_no", "firm"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["fields"]
    list_select_related = ["region"]
    readonly_fields = ["verified_at", "verified_by", "rating_avg", "rating_count"]
    actions = ["verify", "revoke"]

    @admin.display(boolean=True, description=_("已审核"))
    def verified(self, obj):
        return obj.is_verified

    @admin.action(description=_("审核通过所选律师"))
    def verify(self, request, queryset):
        done = 0
        for profile in queryset:
            try:
                services.verify_lawyer(actor=request.user, profile=profile)
                done += 1
            except services.QAError as exc:
                self.message_user(request, f"{profile}: {exc.message}", messages.ERROR)
        self.message_user(request, _("已审核 %(n)d 名律师。") % {"n": done})

    @admin.action(description=_("撤销所选律师的审核"))
    def revoke(self, request, queryset):
        for profile in queryset:
            services.revoke_lawyer(actor=request.user, profile=profile)


@admin.register(Question)
class QuestionAdmin(RegionScopedAdmin):
    list_display = ["title", "field", "region", "state", "answer_count", "escalation_level", "created_at",
                    "first_answer_at", "page"]
    list_filter = ["state", "field", "escalation_level"]
    search_fields = ["title"]
    list_select_related = ["field", "region"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Question._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("页面"))
    def page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("lawyers:question", args=[obj.pk]), _("查看"))


@admin.register(AwardRate)
class AwardRateAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "amount", "note"]


@admin.register(AwardEntry)
class AwardEntryAdmin(RegionScopedAdmin):
    list_display = ["period", "lawyer", "question", "amount", "decided_by_staff", "created_at"]
    list_filter = ["period", "decided_by_staff"]
    list_select_related = ["lawyer", "question"]
    readonly_fields = ["question", "answer", "lawyer", "amount", "period", "decided_by_staff", "decided_by",
                       "region_code", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Commission)
class CommissionAdmin(privacy.PersonalDataAdminMixin, RegionScopedAdmin):
    list_display = ["field", "citizen", "lawyer", "state", "created_at", "rating"]
    list_filter = ["state", "field"]
    list_select_related = ["field", "citizen", "lawyer"]
    readonly_fields = ["state", "lawyer", "accepted_at", "completed_at", "rating", "comment", "widen_at"]
    # The client's number in full only to the lawyer who took the commission (as on its page).
    personal_fields = {"phone": "phone"}

    def handles_personal_data(self, request, obj):
        return obj.lawyer_id is not None and obj.lawyer_id == request.user.pk

    def personal_data_subject(self, obj):
        return selectors.commission_privacy_subject(obj)


@admin.register(CallbackRequest)
class CallbackRequestAdmin(privacy.PersonalDataAdminMixin, RegionScopedAdmin):
    list_display = ["field", "lawyer", privacy.masked_column("phone", _("回拨电话")), "created_at", "acknowledged_at",
                    "called_at"]
    list_filter = ["field"]
    list_select_related = ["field", "lawyer"]
    # The number is the lawyer's to call until the call is made (as on the lawyer's desk).
    personal_fields = {"phone": "phone"}

    def handles_personal_data(self, request, obj):
        return obj.lawyer_id is not None and obj.lawyer_id == request.user.pk and obj.called_at is None

    def personal_data_subject(self, obj):
        return selectors.callback_privacy_subject(obj)


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    list_display = ["field", "lawyer", "created_at"]
    list_select_related = ["field", "lawyer"]


class TemplateAdminForm(forms.ModelForm):
    upload = UploadField(policy="template", label=_("上传 DOCX 模板"), required=False,
                             help_text=_("需要群众填写的地方用 {{ 字段名 }} 标出，例如 {{ 原告姓名 }}。"))

    class Meta:
        model = DocumentTemplate
        fields = ["title", "field", "doc_type", "description", "published"]

    def clean(self):
        from django.core.exceptions import ValidationError

        from legalqa.lawyers import citing, docs

        data = super().clean()
        upload = data.get("upload")
        if not self.instance.file and not upload:
            raise forms.ValidationError(_("请上传 DOCX 模板文件。"))
        if upload:
            try:
                docs.validate_template_file(upload.content)
            except ValidationError as exc:
                self.add_error("upload", exc)
        try:
            citing.check_citations(data.get("description") or "")
        except ValidationError as exc:
            self.add_error("description", exc)
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = TemplateAdminForm
    list_display = ["title", "field", "doc_type", "published", "downloads"]
    list_filter = ["field", "doc_type", "published"]
    search_fields = ["title", "description"]
    readonly_fields = ["placeholders", "downloads"]

    def save_model(self, request, obj, form, change):
        # the form already ran the same checks, so the service accepts what reaches here
        services.save_template(actor=request.user, template=obj, upload=form.cleaned_data.get("upload"))


class GuideAdminForm(forms.ModelForm):
    class Meta:
        model = LitigationGuide
        fields = ["case_type", "title", "body", "application_notes", "evidence_notes", "published"]

    def clean(self):
        from django.core.exceptions import ValidationError

        from legalqa.lawyers import citing

        data = super().clean()
        for name in ("body", "application_notes", "evidence_notes"):
            try:
                citing.check_citations(data.get(name) or "")
            except ValidationError as exc:
                self.add_error(name, exc)
        return data


@admin.register(LitigationGuide)
class LitigationGuideAdmin(admin.ModelAdmin):
    form = GuideAdminForm
    list_display = ["title", "case_type", "published", "updated_at"]
    list_filter = ["case_type", "published"]
    search_fields = ["title"]

    def save_model(self, request, obj, form, change):
        services.save_guide(actor=request.user, guide=obj)


@admin.register(ServiceApplication)
class ServiceApplicationAdmin(RegionScopedAdmin):
    list_display = ["kind", "contact_name", "state", "created_at", "due_at", "review"]
    list_filter = ["kind", "state"]
    search_fields = ["contact_name", "contact_phone"]
    # The full number is on the review page (lawyers:service), where each view is recorded.
    readonly_fields = [f.name if f.name != "contact_phone" else privacy.masked_column("contact_phone", _("联系电话"))
                       for f in ServiceApplication._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("审核"))
    def review(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("lawyers:service", args=[obj.pk]), _("在线审核"))
