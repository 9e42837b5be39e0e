from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from grid import permissions, privacy
from grid.notifications import services
from grid.notifications.models import Message, MessageTemplate, Status


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def clean_text(self):
        text = self.cleaned_data["text"]
        services.validate_template_text(text)
        return text

    def clean_title(self):
        title = self.cleaned_data["title"]
        services.validate_template_text(title)
        return title


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["name", "code", "title", "updated_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "updated_at"]

    def has_add_permission(self, request):
        # Codes are referenced by the code that sends them; staff edit texts, not codes.
        return permissions.is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_admin(request.user)


@admin.register(Message)
class MessageAdmin(privacy.PersonalDataAdminMixin, admin.ModelAdmin):
    """The outbox, for administrators: what was sent, what failed and why."""

    list_display = ["created_at", "channel", privacy.masked_column("phone", _("手机号码")), "user", "template_code",
                    "status", "attempts", "sent_at"]
    list_filter = ["channel", "status", "template_code"]
    search_fields = ["=phone", "idempotency_key"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    show_full_result_count = False
    # The outbox page is for delivery problems: the number stays masked on it too.
    personal_fields = {"phone": "phone"}

    def has_module_permission(self, request):
        return permissions.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("立即重试发送失败的消息"))
    def retry_now(self, request, queryset):
        ids = list(queryset.filter(status__in=[Status.DEAD, Status.RETRY]).values_list("id", flat=True))
        count = services.requeue(ids)
        self.message_user(request, _("已重新排队 %(n)d 条消息。") % {"n": count}, messages.SUCCESS)
