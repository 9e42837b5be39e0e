"""Administrators read the trail here; nobody adds, edits or deletes through the admin.

The site-wide "delete selected" action is replaced by one that also records bulk deletions
(see ``delete_selected``)."""

from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected

from audit import listeners
from audit.models import AuditEntry
from grid import permissions


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "kind", "actor_name", "ip", "summary")
    list_filter = ("kind",)
    search_fields = ("=object_id", "=actor_name")
    ordering = ("-seq",)
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ("seq", "at", "kind", "actor", "actor_name", "ip", "object_type", "object_id", "object_hash",
                       "summary", "data", "prev_hash", "row_hash")

    def has_view_permission(self, request, obj=None):
        return permissions.is_admin(request.user)

    def has_module_permission(self, request):
        return permissions.is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def delete_selected(modeladmin, request, queryset):
    """Django's own "delete selected" action, plus one audit row per deleted object when more
    than one goes: the admin logs a bulk deletion with ``bulk_create``, which sends no
    ``post_save`` (a single deletion is logged with ``save`` and reaches the trail that way)."""
    confirmed = bool(request.POST.get("post"))
    before = [(obj.pk, str(obj)[:200]) for obj in queryset] if confirmed else []
    response = django_delete_selected(modeladmin, request, queryset)
    if len(before) > 1:
        gone = set(pk for pk, _ in before) - set(
            modeladmin.model._default_manager.filter(pk__in=[pk for pk, _ in before]).values_list("pk", flat=True))
        opts = modeladmin.model._meta
        for pk, text in before:
            if pk in gone:
                listeners.record_admin_action(actor=request.user, action="deletion",
                                              model=f"{opts.app_label}.{opts.model_name}", object_id=str(pk),
                                              object_repr=text, change_message="", ip=listeners.request_ip(request))
    return response


delete_selected.allowed_permissions = django_delete_selected.allowed_permissions
delete_selected.short_description = django_delete_selected.short_description
admin.site.add_action(delete_selected, "delete_selected")
