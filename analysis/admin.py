"""Admin pages of the analysis app: map boundaries (with the GeoJSON upload), report
templates and the reports themselves. Lists are scoped to the staff member's region."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from analysis import boundaries
from analysis.models import Boundary, Report, ReportTemplate
from grid import permissions, uploads
from grid.models import validate_geojson_polygon


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON文件"), help_text=_(
        "FeatureCollection；每个Feature的properties.code为12位行政区划代码或15位网格编码，"
        "可选properties.name、properties.population（常住人口）；几何类型为Polygon或MultiPolygon。"))


class BoundaryForm(forms.ModelForm):
    class Meta:
        model = Boundary
        fields = ("code", "name", "population", "geometry")

    def clean_geometry(self):
        geometry = self.cleaned_data["geometry"]
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValidationError(_("边界必须是GeoJSON的Polygon或MultiPolygon。"))
        validate_geojson_polygon(geometry)
        return geometry


@admin.register(Boundary)
class BoundaryAdmin(admin.ModelAdmin):
    form = BoundaryForm
    list_display = ("code", "name", "population", "updated_at", "uploaded_by")
    search_fields = ("code", "name")
    readonly_fields = ("uploaded_by", "updated_at")
    change_list_template = "admin/analysis/boundary/change_list.html"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        prefix = permissions.region_prefix(request.user)
        if prefix is None:
            return qs.none()
        return qs.filter(code__startswith=prefix) if prefix else qs

    def save_model(self, request, obj, form, change):
        obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="analysis_boundary_upload"),
                *super().get_urls()]

    def upload_view(self, request):
        if not self.has_add_permission(request):
            messages.error(request, _("您没有上传地图边界的权限。"))
            return redirect("admin:analysis_boundary_changelist")
        form = BoundaryUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                n = boundaries.import_boundaries(form.cleaned_data["file"], user=request.user)
            except boundaries.BoundaryError as exc:
                errors = exc.messages
                messages.error(request, _("上传失败，共 %(n)d 处错误，未保存任何边界。") % {"n": len(errors)})
            else:
                messages.success(request, _("已保存 %(n)d 个区域的边界。") % {"n": n})
                return redirect("admin:analysis_boundary_changelist")
        return render(request, "admin/analysis/boundary/upload.html", {
            **self.admin_site.each_context(request), "title": _("上传地图边界（GeoJSON）"), "form": form,
            "errors": errors, "opts": self.model._meta,
        })


class ReportTemplateForm(forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ("name", "file", "is_active")

    def clean_file(self):
        """Through the project's upload gate (policy "template": a DOCX without macros), then
        docxtpl must be able to open it."""
        upload = self.cleaned_data["file"]
        if upload is None or not hasattr(upload, "content_type"):
            return upload  # unchanged on edit
        clean = uploads.check(upload, policy="template")
        try:
            from docxtpl import DocxTemplate

            clean.content.seek(0)
            DocxTemplate(clean.content).get_undeclared_template_variables()
        except Exception as exc:  # noqa: BLE001 - any parse failure means "not a usable template"
            raise ValidationError(_("无法打开该Word文件，请确认是有效的.docx模板。")) from exc
        clean.content.seek(0)
        return ContentFile(clean.content.read(), name=clean.storage_name)


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    form = ReportTemplateForm
    list_display = ("name", "is_active", "uploaded_at")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "region", "period_start", "period_end", "generated_at")
    list_filter = ("kind",)
    list_select_related = ("region",)
    search_fields = ("title", "region_code")
    readonly_fields = ("kind", "region", "region_code", "period_start", "period_end", "title", "figures", "docx",
                       "xlsx", "generated_at", "generated_by")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permissions.region_q(request.user))

    def has_add_permission(self, request):
        return False
