"""Admin for the registry: a thin face over models, importers and the scoping module."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from grid import accounts, permissions, privacy
from grid.importers import COLUMNS, KINDS, ImportFailed, import_csv
from grid.models import (
    Department,
    GovernanceCentre,
    Grid,
    GridTaskItem,
    MediationOrganisation,
    Region,
    Role,
    Unit,
    UnitKind,
    User,
)


class ScopedAdmin(admin.ModelAdmin):
    """Lists show only rows in the staff member's region subtree."""

    scope_field = "region_code"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user, self.scope_field))


class RegionImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=[(k, v) for k, v in KINDS.items()])
    file = forms.FileField(label=_("CSV文件（UTF-8）"))


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    scope_field = "code"
    list_display = ("code", "name", "level", "parent", "children_link")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)
    change_list_template = "admin/grid/region/change_list.html"

    @admin.display(description=_("下级区域"))
    def children_link(self, obj):
        url = reverse("admin:grid_region_changelist") + f"?parent__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("查看下级"))

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        parent_id = request.GET.get("parent__id__exact")
        if parent_id and parent_id.isdigit():
            parent = Region.objects.filter(pk=parent_id).first()
            if parent:
                extra_context["breadcrumb_regions"] = [*parent.ancestors(), parent]
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="grid_import_csv"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (permissions.is_admin(request.user) or permissions.is_centre_leader(request.user)):
            messages.error(request, _("只有综治中心领导或系统管理员可以导入名录。"))
            return redirect("admin:grid_region_changelist")
        form = RegionImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 20 * 1024 * 1024:
                form.add_error("file", _("文件不能超过20MB。"))
            else:
                try:
                    result = import_csv(form.cleaned_data["kind"], upload.read())
                except ImportFailed as exc:
                    errors = exc.result.errors
                    messages.error(request, _("导入失败，共 %(n)d 处错误，未写入任何数据。") % {"n": len(errors)})
                else:
                    messages.success(request, _("导入成功：新增 %(c)d 条，更新 %(u)d 条。") % {
                        "c": result.created, "u": result.updated})
                    return redirect("admin:grid_region_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入名录（CSV）"),
            "form": form,
            "errors": errors,
            "columns": COLUMNS,
            "opts": self.model._meta,
        }
        return render(request, "admin/grid/import.html", context)


class GridWorkerInline(admin.TabularInline):
    model = Grid.workers.through
    extra = 1
    verbose_name = _("网格员")
    verbose_name_plural = _("网格员")
    autocomplete_fields = ("user",)


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "special_type", "village")
    list_filter = ("kind", "special_type")
    search_fields = ("code", "name", "village__name")
    list_select_related = ("village",)
    autocomplete_fields = ("village",)
    exclude = ("workers",)
    inlines = [GridWorkerInline]


class UnitAdminBase(ScopedAdmin):
    list_display = ("name", "code", "region", "phone", "is_active")
    list_filter = ("is_active", "level")
    search_fields = ("name", "code", "duties", "region__name")
    list_select_related = ("region",)
    autocomplete_fields = ("region", "leader")
    fields = ("code", "name", "region", "leader", "phone", "address", "duties", "is_active")


class MemberInline(admin.TabularInline):
    model = User
    fk_name = "unit"
    fields = ("username", "display_name", "role", "phone", "is_active")
    readonly_fields = ("username",)
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name = _("成员")
    verbose_name_plural = _("成员")


@admin.register(GovernanceCentre)
class GovernanceCentreAdmin(UnitAdminBase):
    inlines = [MemberInline]


@admin.register(Department)
class DepartmentAdmin(UnitAdminBase):
    fields = (*UnitAdminBase.fields, "is_legal_aid")
    list_filter = ("is_active", "level", "is_legal_aid")
    inlines = [MemberInline]


class MediatorInline(MemberInline):
    verbose_name = _("调解员")
    verbose_name_plural = _("调解员")


@admin.register(MediationOrganisation)
class MediationOrganisationAdmin(UnitAdminBase):
    list_display = ("name", "org_type", "region", "languages", "phone", "is_active")
    list_filter = ("org_type", "is_active", "level")
    fields = (*UnitAdminBase.fields, "org_type", "languages")
    inlines = [MediatorInline]


@admin.register(Unit)
class UnitAdmin(UnitAdminBase):
    """All receiving units in one list (used by autocomplete in the other apps)."""

    list_display = ("name", "kind", "region", "phone", "is_active")
    list_filter = ("kind", "is_active", "level")
    fields = ("kind", *UnitAdminBase.fields, "org_type", "languages", "is_legal_aid")

    def has_add_permission(self, request):
        return False


@admin.register(GridTaskItem)
class GridTaskItemAdmin(ScopedAdmin):
    scope_field = "department__region_code"
    list_display = ("title", "department")
    search_fields = ("title", "department__name")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    filter_horizontal = ("grids",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = Unit.objects.filter(kind=UnitKind.DEPARTMENT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(privacy.PersonalDataAdminMixin, BaseUserAdmin):
    # A citizen's user name is their phone number: both are masked in the list.
    list_display = (privacy.masked_column("username", _("用户名")), "display_name", "role", "unit",
                    privacy.masked_column("phone", _("手机号码")), "is_active")
    list_display_links = ("display_name",)
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "display_name", "phone")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("基本信息"), {"fields": ("display_name", "phone", "role", "unit")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "phone", "role", "unit",
                                                  "password1", "password2")}),
    )

    actions = ["unlock_login", "reset_second_factor"]
    # The number (and a citizen's user name, which is their number) in full only to those who
    # manage the account (and to the person themself); each such view is recorded.
    personal_fields = {"phone": "phone", "username": "phone"}

    def personal_fields_for(self, obj):
        fields = {"phone": "phone"}
        if obj.username and obj.username == obj.phone:
            fields["username"] = "phone"
        return fields

    def handles_personal_data(self, request, obj):
        return self.has_change_permission(request, obj)

    def personal_data_subject(self, obj):
        return privacy.Subject("grid.user", obj.pk, obj.display_name or privacy.mask_phone(obj.username), obj.pk)

    def get_queryset(self, request):
        return permissions.visible_users(request.user).select_related("unit")

    @admin.action(description=_("解除登录锁定（密码/验证码错误次数过多）"))
    def unlock_login(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                accounts.unlock_login(actor=request.user, user=user)
            except accounts.AccountError as exc:
                messages.error(request, f"{user}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("已为%(n)d个账号解除登录锁定。") % {"n": done})

    @admin.action(description=_("重置身份验证器（手机丢失或更换）"))
    def reset_second_factor(self, request, queryset):
        done = 0
        for user in queryset:
            try:
                accounts.reset_second_factor(actor=request.user, user=user)
            except accounts.AccountError as exc:
                messages.error(request, f"{user}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("已重置%(n)d个账号的身份验证器，下次登录时须重新绑定。") % {"n": done})

    def get_readonly_fields(self, request, obj=None):
        if permissions.is_admin(request.user):
            return ()
        return ("is_superuser", "groups", "user_permissions", "role") if obj else ("is_superuser",)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not permissions.is_admin(request.user):
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)
