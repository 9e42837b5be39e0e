"""Admin of the law library: laws and articles (package data read-only), the concept table
staff edit, known repealed laws, the citation index, import runs, and the paste/upload page
for a law the package lacks."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from .forms import LawTextForm
from .library_services import LawTextRefused, add_law_from_text
from .models import (
    Article,
    CitationLink,
    FieldOfLaw,
    ImportRun,
    Law,
    LawRequest,
    LawSource,
    LegalConcept,
    RepealedLaw,
)


@admin.register(FieldOfLaw)
class FieldOfLawAdmin(admin.ModelAdmin):
    """The one list of fields of law (Q&A routing, lawyers, commissions, templates, videos,
    case explanations, hot fields). Fields in use cannot be deleted (PROTECT); deactivate them
    instead so they are no longer offered for new questions."""

    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "code"]


@admin.register(Law)
class LawAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "status", "in_force_from", "article_count", "source"]
    list_filter = ["category", "status", "source", "is_current_text"]
    search_fields = ["title", "short_title"]
    readonly_fields = ["source", "source_id", "content_hash", "article_count", "created_at", "updated_at"]
    change_list_template = "admin/legalqa/law/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.source == LawSource.PACKAGE:
            return [f.name for f in Law._meta.fields if f.name not in ("aliases", "id")]
        return self.readonly_fields

    def get_urls(self):
        return [
            path("add-text/", self.admin_site.admin_view(self.add_text_view), name="legalqa_law_add_text"),
            *super().get_urls(),
        ]

    def add_text_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        problems = []
        form = LawTextForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                law = add_law_from_text(
                    title=d["title"], text=d["text"], category=d["category"], doc_type=d["doc_type"],
                    issuing_body=d["issuing_body"], promulgated_on=d["promulgated_on"],
                    effective_on=d["effective_on"], aliases=(d["aliases"] or "").split(),
                    region_code=d["region_code"],
                )
            except LawTextRefused as exc:
                problems = exc.problems
                messages.error(request, _("全文未保存：发现%(n)d个问题，请修改后重新提交。") % {"n": len(problems)})
            else:
                messages.success(request, _("已保存《%(t)s》，共%(n)d条。") % {"t": law.title, "n": law.article_count})
                return redirect(reverse("admin:legalqa_law_change", args=[law.pk]))
        return TemplateResponse(request, "admin/legalqa/law/add_text.html", {
            **self.admin_site.each_context(request), "form": form, "problems": problems,
            "title": _("粘贴或上传法律全文"), "opts": self.model._meta,
        })


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "chapter", "section"]
    list_select_related = ["law"]
    search_fields = ["law__short_title", "label", "text"]
    autocomplete_fields = ["law"]
    readonly_fields = ["law", "number", "suffix", "label", "position", "source_id"]
    show_full_result_count = False


@admin.register(LegalConcept)
class LegalConceptAdmin(admin.ModelAdmin):
    list_display = ["name", "field", "short_triggers", "terms", "laws", "weight", "is_active"]
    list_editable = ["weight", "is_active"]
    list_filter = ["field", "is_active"]
    search_fields = ["name", "triggers", "terms"]
    fieldsets = [(None, {"fields": ["field", "name", "triggers", "terms", "laws", "weight", "is_active"],
                         "description": _("问题中出现任一触发词（或“甲+乙”同时出现）时，检索自动并入法律用语，"
                                          "并优先所列法律。修改保存后数秒内生效。")})]

    @admin.display(description=_("口语触发词"))
    def short_triggers(self, obj):
        return "、".join(obj.triggers.split())[:60]


@admin.register(RepealedLaw)
class RepealedLawAdmin(admin.ModelAdmin):
    list_display = ["name", "successor_name", "repealed_on"]
    search_fields = ["name", "successor_name"]
    autocomplete_fields = ["successor"]


@admin.register(CitationLink)
class CitationLinkAdmin(admin.ModelAdmin):
    list_display = ["quote", "verdict", "content_type", "object_id", "created_at"]
    list_filter = ["verdict", "content_type"]
    readonly_fields = [f.name for f in CitationLink._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "seconds", "laws_total", "articles_total", "laws_created", "laws_updated",
                    "articles_created", "articles_updated", "articles_deleted"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LawRequest)
class LawRequestAdmin(admin.ModelAdmin):
    list_display = ["name", "count", "last_requested_at", "handled"]
    list_filter = ["handled"]
    list_editable = ["handled"]
    search_fields = ["name"]
    readonly_fields = ["name", "count", "first_requested_at", "last_requested_at"]

    def has_add_permission(self, request):
        return False
