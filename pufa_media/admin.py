"""The staff face of pufa_media: a thin layer over services (STYLE.md §9).

Staff see the content of their own region subtree (grid.permissions.region_q); uploads go
through the chunked uploader on the video's page; processing status and its error are shown
with a retry button.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from grid import permissions
from grid.uploads import UploadField
from pufa_media import citations, conf, processing, selectors, services
from pufa_media.models import (
    ArticleImage,
    Audience,
    CaseExplanation,
    Choice,
    PlayDaily,
    Playlist,
    PlaylistItem,
    ProcessingStatus,
    Series,
    Subtitle,
    Topic,
    UploadSession,
    Video,
    VideoQuestion,
)


def citation_report(text: str):
    """Bad references marked in the text, shown to the editor before publishing."""
    if not text:
        return "—"
    bad = citations.problems(text)
    if not bad:
        return _("引用核验通过，发布后法条页面会链接到本内容。")
    return format_html_join("", '<div class="errornote">{}：{}</div>',
                            [(c.quote, c.message or c.verdict_label) for c in bad])


class ScopedAdmin(admin.ModelAdmin):
    """Rows of the staff member's region subtree (content without a region is shared by all)."""

    region_field = "region_code"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if permissions.is_admin(request.user):
            return qs
        return qs.filter(permissions.region_q(request.user, self.region_field) | Q(**{self.region_field: ""}))


class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]


@admin.register(Topic)
class TopicAdmin(ReferenceDataAdmin):
    pass


@admin.register(Audience)
class AudienceAdmin(ReferenceDataAdmin):
    pass


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class SubtitleForm(forms.ModelForm):
    class Meta:
        model = Subtitle
        fields = ["language", "label", "srt", "is_default"]

    def clean_srt(self):
        srt = self.cleaned_data.get("srt")
        if srt and "srt" in self.changed_data:
            try:
                processing.srt_to_vtt(srt.read())
            except processing.MediaRejected as exc:
                raise ValidationError(str(exc)) from exc
            finally:
                srt.seek(0)
        return srt


class SubtitleInline(admin.TabularInline):
    model = Subtitle
    form = SubtitleForm
    extra = 0
    readonly_fields = ["vtt"]


class QuestionInline(admin.TabularInline):
    model = VideoQuestion
    fields = ["order", "text", "kind", "article"]
    extra = 0
    show_change_link = True


class VideoForm(forms.ModelForm):
    source = UploadField(policy="video_source", model_file=True, required=False, label=_l("原始视频"),
                         help_text=_l("MP4、MOV 或 WEBM；大文件请用下方的分片上传。"))
    poster = UploadField(policy="article_image", model_file=True, required=False, label=_l("封面"))

    class Meta:
        model = Video
        fields = ["title", "summary", "field", "topic", "audiences", "series", "lawyer", "source", "poster",
                  "poster_uploaded"]
        widgets = {"audiences": forms.CheckboxSelectMultiple}


STATUS_COLOURS = {
    ProcessingStatus.PENDING: "#6c757d",
    ProcessingStatus.PROCESSING: "#0d6efd",
    ProcessingStatus.READY: "#198754",
    ProcessingStatus.FAILED: "#dc3545",
}


@admin.register(Video)
class VideoAdmin(ScopedAdmin):
    form = VideoForm
    change_form_template = "admin/pufa_media/video/change_form.html"
    change_list_template = "admin/pufa_media/video/change_list.html"
    list_display = ["title", "field", "status_badge", "is_published", "duration_display", "play_count",
                    "published_at"]
    list_filter = ["status", "is_published", "field", "topic", "series"]
    list_select_related = ["field"]
    search_fields = ["title"]
    readonly_fields = ["citation_check", "status_panel", "renditions_list", "play_count", "question_rates", "links"]
    inlines = [SubtitleInline, QuestionInline]
    actions = ["retry_processing", "publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "summary", "citation_check", "field", "topic", "audiences", "series",
                           "lawyer"]}),
        (_l("视频文件与处理"), {"fields": ["status_panel", "source", "renditions_list", "poster",
                                       "poster_uploaded"]}),
        (_l("播放与互动"), {"fields": ["play_count", "question_rates", "links"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lawyer":
            from grid.models import Role, User

            kwargs["queryset"] = User.objects.filter(role=Role.LAWYER, is_active=True).order_by("display_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_l("处理状态"), ordering="status")
    def status_badge(self, obj):
        return format_html('<b style="color:{}">{}</b>', STATUS_COLOURS.get(obj.status, "#000"),
                           obj.get_status_display())

    @admin.display(description=_l("法条引用核验"))
    def citation_check(self, obj):
        return citation_report(obj.summary if obj else "")

    @admin.display(description=_l("时长"), ordering="duration")
    def duration_display(self, obj):
        return f"{obj.duration:.0f}″" if obj.duration else "—"

    @admin.display(description=_l("处理状态"))
    def status_panel(self, obj):
        if obj is None or obj.pk is None:
            return _("保存后即可上传视频文件。")
        html = format_html('<b style="color:{}">{}</b>', STATUS_COLOURS.get(obj.status, "#000"),
                           obj.get_status_display())
        if obj.status == ProcessingStatus.FAILED and obj.error:
            html += format_html('<div class="errornote" style="margin-top:.5em">{}</div>', obj.error)
        if obj.duration:
            html += format_html(" · {}", _("时长 %(s).1f 秒，原始 %(w)d×%(h)d") % {
                "s": obj.duration, "w": obj.width or 0, "h": obj.height or 0})
        return html

    @admin.display(description=_l("转码版本"))
    def renditions_list(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = [(r.file.url, r.label, r.width, r.height, round(r.size / 1024)) for r in obj.renditions.all()]
        if not rows:
            return "—"
        return format_html_join(" · ", '<a href="{}">{}</a> {}×{} ({} KB)', rows)

    @admin.display(description=_l("互动问题答对率"))
    def question_rates(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = [(q.text, q.answered, q.rate_display) for q in selectors.question_rates(obj)]
        if not rows:
            return _("还没有互动问题（在下方“互动问题”中添加，选项在问题页面编辑）。")
        template = "<div>{}：" + _("%(n)s 人作答，答对率 %(rate)s") % {"n": "{}", "rate": "{}"} + "</div>"
        return format_html_join("", template, rows)

    @admin.display(description=_l("链接"))
    def links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank">{}</a> · <a href="{}" target="_blank">{}</a>',
            reverse("pufa_media:video", args=[obj.pk]), _("播放页"),
            reverse("pufa_media:video_poster_pdf", args=[obj.pk]), _("打印二维码海报（PDF）"),
        )

    def save_model(self, request, obj, form, change):
        new_source = (form.cleaned_data.get("source") or None) if "source" in form.changed_data else None
        poster_chosen = "poster" in form.changed_data and bool(form.cleaned_data.get("poster"))
        try:
            services.save_video(video=obj, user=request.user, new_source=new_source, poster_chosen=poster_chosen)
        except services.PufaMediaError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            if new_source is not None:
                self.message_user(request, _("视频文件已上传，正在排队处理。"), messages.INFO)

    def save_formset(self, request, form, formset, change):
        if formset.model is Subtitle:
            instances = formset.save(commit=False)
            try:
                services.save_subtitles(video=form.instance, user=request.user, subtitles=instances,
                                        deleted=formset.deleted_objects)
            except services.PufaMediaError as exc:
                self.message_user(request, _("字幕未保存：%(error)s") % {"error": exc.message}, messages.ERROR)
            return
        super().save_formset(request, form, formset, change)

    # ------------------------------------------------------------ actions

    def _each(self, request, queryset, func, done_message):
        done = 0
        for video in queryset:
            try:
                func(video=video, user=request.user)
                done += 1
            except services.PufaMediaError as exc:
                self.message_user(request, f"{video.title}：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_l("重新处理所选视频"))
    def retry_processing(self, request, queryset):
        self._each(request, queryset, services.queue_processing, _("已将 %(n)d 个视频重新排队处理。"))

    @admin.action(description=_l("发布所选视频"))
    def publish(self, request, queryset):
        self._each(request, queryset, services.publish_video, _("已发布 %(n)d 个视频。"))

    @admin.action(description=_l("取消发布所选视频"))
    def unpublish(self, request, queryset):
        self._each(request, queryset, services.unpublish_video, _("已取消发布 %(n)d 个视频。"))

    # ------------------------------------------------------------ buttons and the chunked upload

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/retry/", wrap(self.retry_view), name="pufa_media_video_retry"),
            path("<int:pk>/publish/", wrap(self.publish_view), name="pufa_media_video_publish"),
            path("<int:pk>/status/", wrap(self.status_view), name="pufa_media_video_status"),
            path("<int:pk>/upload/start/", wrap(self.upload_start), name="pufa_media_upload_start"),
            path("upload/<uuid:session>/chunk/", wrap(self.upload_chunk), name="pufa_media_upload_chunk"),
            path("upload/<uuid:session>/finish/", wrap(self.upload_finish), name="pufa_media_upload_finish"),
        ] + super().get_urls()

    def _video_for_change(self, request, pk):
        video = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, video):
            raise PermissionDenied
        return video

    def retry_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:pufa_media_video_change", args=[pk]))
        video = self._video_for_change(request, pk)
        self._each(request, [video], services.queue_processing, _("已将 %(n)d 个视频重新排队处理。"))
        return HttpResponseRedirect(reverse("admin:pufa_media_video_change", args=[pk]))

    def publish_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:pufa_media_video_change", args=[pk]))
        video = self._video_for_change(request, pk)
        func = services.unpublish_video if video.is_published else services.publish_video
        msg = _("已取消发布 %(n)d 个视频。") if video.is_published else _("已发布 %(n)d 个视频。")
        self._each(request, [video], func, msg)
        return HttpResponseRedirect(reverse("admin:pufa_media_video_change", args=[pk]))

    def status_view(self, request, pk):
        """Polled by the upload box until processing ends."""
        video = get_object_or_404(self.get_queryset(request), pk=pk)
        return JsonResponse({"status": video.status, "status_display": video.get_status_display(),
                             "error": video.error})

    @staticmethod
    def _error(exc: services.PufaMediaError):
        status = 403 if isinstance(exc, services.PufaMediaPermissionError) else 400
        return JsonResponse({"error": exc.message}, status=status)

    def upload_start(self, request, pk):
        if request.method != "POST":
            return JsonResponse({"error": _("请使用 POST。")}, status=405)
        video = self._video_for_change(request, pk)
        try:
            body = json.loads(request.body or b"{}")
            session = services.start_upload(video=video, user=request.user, filename=str(body.get("name", "")),
                                            size=int(body.get("size", 0)))
        except (ValueError, TypeError):
            return JsonResponse({"error": _("请求格式错误。")}, status=400)
        except services.PufaMediaError as exc:
            return self._error(exc)
        return JsonResponse({
            "session": str(session.pk), "received": session.received, "size": session.size,
            "chunk": conf.get("PUFA_UPLOAD_CHUNK_BYTES"),
            "chunk_url": reverse("admin:pufa_media_upload_chunk", args=[session.pk]),
            "finish_url": reverse("admin:pufa_media_upload_finish", args=[session.pk]),
        })

    def upload_chunk(self, request, session):
        if request.method != "POST":
            return JsonResponse({"error": _("请使用 POST。")}, status=405)
        try:
            offset = int(request.GET.get("offset", "-1"))
            data = request.body
            if len(data) > conf.get("PUFA_UPLOAD_CHUNK_BYTES"):
                return JsonResponse({"error": _("分片过大。")}, status=400)
            result = services.receive_chunk(session_id=session, user=request.user, offset=offset, data=data)
        except ValueError:
            return JsonResponse({"error": _("请求格式错误。")}, status=400)
        except UploadSession.DoesNotExist:
            return JsonResponse({"error": _("上传会话不存在，请重新选择文件。")}, status=404)
        except services.PufaMediaError as exc:
            return self._error(exc)
        return JsonResponse({"received": result.received, "size": result.size})

    def upload_finish(self, request, session):
        if request.method != "POST":
            return JsonResponse({"error": _("请使用 POST。")}, status=405)
        try:
            video = services.finish_upload(session_id=session, user=request.user)
        except UploadSession.DoesNotExist:
            return JsonResponse({"error": _("上传会话不存在，请重新选择文件。")}, status=404)
        except services.PufaMediaError as exc:
            return self._error(exc)
        video.refresh_from_db()
        return JsonResponse({"status": video.status, "status_display": video.get_status_display(),
                             "error": video.error})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["upload_max_mb"] = conf.get("PUFA_UPLOAD_MAX_BYTES") // 2**20
        return super().change_view(request, object_id, form_url, extra_context)


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 3


@admin.register(VideoQuestion)
class VideoQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "video", "kind", "answered", "rate"]
    list_select_related = ["video"]
    search_fields = ["text", "video__title"]
    raw_id_fields = ["video"]
    inlines = [ChoiceInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(
            n_answers=Count("answers"), n_correct=Count("answers", filter=Q(answers__is_correct=True)))
        if permissions.is_admin(request.user):
            return qs
        return qs.filter(permissions.region_q(request.user, "video__region_code") | Q(video__region_code=""))

    @admin.display(description=_l("作答人数"), ordering="n_answers")
    def answered(self, obj):
        return obj.n_answers

    @admin.display(description=_l("答对率"))
    def rate(self, obj):
        return f"{obj.n_correct * 100 / obj.n_answers:.0f}%" if obj.n_answers else "—"


class ArticleImageForm(forms.ModelForm):
    image = UploadField(policy="article_image", model_file=True, label=_l("图片"))

    class Meta:
        model = ArticleImage
        fields = ["image", "caption"]


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    form = ArticleImageForm
    extra = 1
    readonly_fields = ["markdown_snippet"]

    @admin.display(description=_l("插入正文的写法"))
    def markdown_snippet(self, obj):
        if obj is None or not obj.pk or not obj.image:
            return _("保存后显示")
        return f"![{obj.caption}]({obj.image.url})"


class ArticleForm(forms.ModelForm):
    cover = UploadField(policy="article_image", model_file=True, required=False, label=_l("配图"))

    class Meta:
        model = CaseExplanation
        fields = ["kind", "title", "field", "topic", "audiences", "series", "summary", "body_format", "body",
                  "cover", "related_videos", "is_published"]
        widgets = {"audiences": forms.CheckboxSelectMultiple}

    def clean(self):
        data = super().clean()
        if data.get("is_published") and data.get("body"):
            try:
                citations.validate(data["body"])
            except ValidationError as exc:
                self.add_error("body", exc)
        return data


@admin.register(CaseExplanation)
class CaseExplanationAdmin(ScopedAdmin):
    form = ArticleForm
    list_display = ["title", "kind", "field", "is_published", "published_at"]
    list_filter = ["kind", "field", "is_published"]
    list_select_related = ["field"]
    search_fields = ["title"]
    autocomplete_fields = ["related_videos"]
    inlines = [ArticleImageInline]
    readonly_fields = ["poster_link", "citation_check"]

    @admin.display(description=_l("法条引用核验"))
    def citation_check(self, obj):
        return citation_report(obj.body if obj else "")

    @admin.display(description=_l("二维码海报"))
    def poster_link(self, obj):
        if obj is None or not obj.pk:
            return "—"
        return format_html('<a href="{}" target="_blank">{}</a>',
                           reverse("pufa_media:article_poster_pdf", args=[obj.pk]), _("打印二维码海报（PDF）"))

    def save_model(self, request, obj, form, change):
        try:
            services.save_article(article=obj, user=request.user)
        except services.PufaMediaError as exc:
            self.message_user(request, exc.message, messages.ERROR)


class PlaylistItemInline(admin.TabularInline):
    model = PlaylistItem
    extra = 1
    autocomplete_fields = ["video"]


@admin.register(Playlist)
class PlaylistAdmin(ScopedAdmin):
    list_display = ["name", "is_active", "screen_link"]
    inlines = [PlaylistItemInline]

    @admin.display(description=_l("大厅屏幕地址"))
    def screen_link(self, obj):
        url = reverse("pufa_media:screen", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, url)

    def save_model(self, request, obj, form, change):
        if not change and not obj.region_code:
            obj.region_code = services.default_region_code(request.user)
        super().save_model(request, obj, form, change)


@admin.register(PlayDaily)
class PlayDailyAdmin(admin.ModelAdmin):
    list_display = ["video", "day", "count"]
    list_select_related = ["video"]
    date_hierarchy = "day"
    raw_id_fields = ["video"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if permissions.is_admin(request.user):
            return qs
        return qs.filter(permissions.region_q(request.user, "video__region_code") | Q(video__region_code=""))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

