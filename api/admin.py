"""Keys in the admin: made and rotated through api.services; the plain key and the
webhook secret are shown once, in the message after saving."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from api import services
from api.models import ApiKey, ApiRequest
from grid import permissions


def _show_once(request, key: ApiKey, raw: str) -> None:
    messages.warning(request, format_html(
        _("“{name}”的接口密钥（只显示这一次，请立即复制保存）：<code>{raw}</code>；回调签名密钥：<code>{secret}</code>"),
        name=key.name, raw=raw, secret=key.webhook_secret))


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "region", "prefix", "rate_limit", "is_active", "trusted", "last_used_at")
    list_filter = ("channel", "is_active", "trusted")
    list_select_related = ("region",)
    search_fields = ("name", "prefix")
    autocomplete_fields = ("region",)
    fields = ("name", "channel", "region", "rate_limit", "is_active", "trusted", "webhook_url",
              "prefix", "created_by", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at")
    actions = ["rotate", "switch_off", "switch_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user))

    def save_model(self, request, obj, form, change):
        try:
            if change:
                if "region" in form.changed_data:
                    services._check_manager(request.user, obj.region)
                    obj.region_code = obj.region.code
                obj.save()
                return
            key, raw = services.create_api_key(
                actor=request.user, name=obj.name, channel=obj.channel, region=obj.region,
                rate_limit=obj.rate_limit, trusted=obj.trusted, webhook_url=obj.webhook_url, key=obj)
        except services.ApiError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        _show_once(request, key, raw)

    @admin.action(description=_("重新生成所选密钥（旧密钥立即失效）"))
    def rotate(self, request, queryset):
        for key in queryset:
            try:
                _show_once(request, key, services.rotate_api_key(actor=request.user, key=key))
            except services.ApiError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("停用所选密钥"))
    def switch_off(self, request, queryset):
        for key in queryset:
            services.set_api_key_active(actor=request.user, key=key, active=False)

    @admin.action(description=_("启用所选密钥"))
    def switch_on(self, request, queryset):
        for key in queryset:
            services.set_api_key_active(actor=request.user, key=key, active=True)


@admin.register(ApiRequest)
class ApiRequestAdmin(admin.ModelAdmin):
    list_display = ("ticket_no", "key", "grievance", "created_at")
    list_select_related = ("key", "grievance")
    search_fields = ("ticket_no", "token")
    raw_id_fields = ("grievance",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user, field="key__region_code"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
