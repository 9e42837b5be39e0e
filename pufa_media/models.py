"""Legal education media: short videos (普法小剧场), their questions, case explanations
(以案释法) and the hall-screen playlists (DOMAIN.md §8).

A video is a record written by staff plus media made by the processing pipeline
(pufa_media.processing): renditions, poster and WebVTT subtitles. Its processing status is
a protected FSM field changed only through pufa_media.services; what the public sees is
decided in pufa_media.selectors (published and ready).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from grid.files import PrivateFileField, RandomName
from legalqa.models import FieldOfLaw


class Topic(models.Model):
    """民生热点 / 基层治理 / 特殊群体 … (data, editable by staff)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("普法主题")
        verbose_name_plural = _("普法主题")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Audience(models.Model):
    """青少年, 老年人, 务工人员, 企业 … (data)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("受众群体")
        verbose_name_plural = _("受众群体")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    """A named run of videos or articles, e.g. 法治讲堂."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("系列")
        verbose_name_plural = _("系列")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProcessingStatus(models.TextChoices):
    PENDING = "pending", _("等待处理")
    PROCESSING = "processing", _("处理中")
    READY = "ready", _("可播放")
    FAILED = "failed", _("处理失败")


class VideoQuerySet(models.QuerySet):
    def public(self):
        """What citizens may see: published and playable."""
        return self.filter(is_published=True, status=ProcessingStatus.READY)


def source_path(instance, filename):
    return f"pufa/source/{uuid.uuid4().hex}/{filename[-80:]}"


def media_path(instance, filename):
    return f"pufa/media/{filename}"


class Video(FSMModelMixin, models.Model):
    title = models.CharField(_("标题"), max_length=120)
    summary = models.TextField(
        _("简介"), blank=True,
        help_text=_("可引用法条，如“《中华人民共和国民法典》第一千零七十九条”，发布前会核对引用。"),
    )
    field = models.ForeignKey(FieldOfLaw, verbose_name=_("法律领域"), on_delete=models.PROTECT, related_name="videos")
    topic = models.ForeignKey(
        Topic, verbose_name=_("主题"), null=True, blank=True, on_delete=models.PROTECT, related_name="videos"
    )
    audiences = models.ManyToManyField(Audience, verbose_name=_("受众群体"), blank=True, related_name="videos")
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("出镜律师"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="pufa_videos", limit_choices_to={"role": "lawyer"},
    )
    series = models.ForeignKey(
        Series, verbose_name=_("系列"), null=True, blank=True, on_delete=models.SET_NULL, related_name="videos"
    )
    region_code = models.CharField(_("发布区域代码"), max_length=12, default="", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    source = PrivateFileField(_("原始视频"), upload_to=RandomName("pufa/source"), blank=True, max_length=255)
    status = FSMField(
        _("处理状态"), default=ProcessingStatus.PENDING, choices=ProcessingStatus.choices, protected=True
    )
    error = models.TextField(_("处理错误"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    processing_started_at = models.DateTimeField(_("开始处理时间"), null=True, blank=True)
    processed_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    duration = models.FloatField(_("时长（秒）"), null=True, blank=True)
    width = models.PositiveIntegerField(_("原始宽度"), null=True, blank=True)
    height = models.PositiveIntegerField(_("原始高度"), null=True, blank=True)
    poster = models.ImageField(_("封面"), upload_to=media_path, blank=True, max_length=255)
    poster_uploaded = models.BooleanField(
        _("封面由工作人员上传"), default=False, help_text=_("勾选后处理时不会用截帧覆盖封面。")
    )
    play_count = models.PositiveBigIntegerField(_("播放次数"), default=0)

    objects = VideoQuerySet.as_manager()

    class Meta:
        verbose_name = _("普法视频")
        verbose_name_plural = _("普法视频")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["region_code"], name="pufa_video_region_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["is_published", "status", "-published_at"], name="pufa_video_public_idx"),
            models.Index(fields=["field", "-published_at"], name="pufa_video_field_idx"),
            models.Index(fields=["status", "processing_started_at"], name="pufa_video_stuck_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(status=ProcessingStatus.READY),
                name="pufa_video_published_is_ready",
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="pufa_video_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # Transitions: pure state changes; services call them and save.
    @transition(field=status, source=ProcessingStatus.PENDING, target=ProcessingStatus.PROCESSING)
    def start_processing(self):
        self.attempts += 1
        self.error = ""
        self.processing_started_at = timezone.now()

    @transition(field=status, source=ProcessingStatus.PROCESSING, target=ProcessingStatus.READY)
    def mark_ready(self):
        self.error = ""
        self.processed_at = timezone.now()

    @transition(field=status, source=[ProcessingStatus.PENDING, ProcessingStatus.PROCESSING],
                target=ProcessingStatus.FAILED)
    def mark_failed(self, message: str):
        self.error = message
        self.processed_at = timezone.now()
        self.is_published = False

    @transition(field=status, source=[ProcessingStatus.FAILED, ProcessingStatus.READY, ProcessingStatus.PENDING],
                target=ProcessingStatus.PENDING)
    def reset(self):
        """A new source file or a staff retry: back to the queue (unpublished until ready)."""
        self.error = ""
        self.is_published = False

    @transition(field=status, source=ProcessingStatus.PROCESSING, target=ProcessingStatus.PENDING)
    def requeue(self):
        self.processing_started_at = None

    def run_is_current(self, attempt: int) -> bool:
        """Is processing run ``attempt`` still the video's run? A run a stuck-video scan
        requeued (or that was superseded by a new upload) must not write its result."""
        return self.status == ProcessingStatus.PROCESSING and self.attempts == attempt

    @property
    def is_ready(self) -> bool:
        """Processed and playable: the only status in which a video may be published."""
        return self.status == ProcessingStatus.READY

    @property
    def is_public(self) -> bool:
        return self.is_published and self.is_ready

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("pufa_media:video", args=[self.pk])

    def rendition(self, name: str):
        for r in self.renditions.all():
            if r.name == name:
                return r
        return None


class Rendition(models.Model):
    video = models.ForeignKey(Video, verbose_name=_("视频"), on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(_("名称"), max_length=16)
    label = models.CharField(_("清晰度"), max_length=16)
    file = models.FileField(_("文件"), upload_to=media_path, max_length=255)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    bitrate = models.PositiveIntegerField(_("码率（bit/s）"))
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("转码版本")
        verbose_name_plural = _("转码版本")
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["video", "name"], name="pufa_rendition_unique")]

    def __str__(self) -> str:
        return f"{self.video_id} {self.label}"


class Subtitle(models.Model):
    video = models.ForeignKey(Video, verbose_name=_("视频"), on_delete=models.CASCADE, related_name="subtitles")
    language = models.CharField(
        _("语言代码"), max_length=16, default="zh-Hans", help_text=_("如 zh-Hans（中文）、ii（彝文）、en（英文）")
    )
    label = models.CharField(_("显示名称"), max_length=32, default="中文")
    srt = models.FileField(_("SRT 字幕文件"), upload_to=source_path, max_length=255)
    vtt = models.FileField(_("WebVTT 文件"), upload_to=media_path, blank=True, max_length=255)
    is_default = models.BooleanField(_("默认显示"), default=False)

    class Meta:
        verbose_name = _("字幕")
        verbose_name_plural = _("字幕")
        ordering = ["-is_default", "language"]
        constraints = [models.UniqueConstraint(fields=["video", "language"], name="pufa_subtitle_unique")]

    def __str__(self) -> str:
        return self.label


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")


class VideoQuestion(models.Model):
    """互动问答 shown after the video ends."""

    video = models.ForeignKey(Video, verbose_name=_("视频"), on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("题目"), max_length=200)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    explanation = models.TextField(_("解析"), blank=True)
    article = models.CharField(_("依据法条"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("互动问题")
        verbose_name_plural = _("互动问题")
        ordering = ["video", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(VideoQuestion, verbose_name=_("问题"), on_delete=models.CASCADE,
                                 related_name="choices")
    text = models.CharField(_("选项"), max_length=120)
    is_correct = models.BooleanField(_("正确答案"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    """One viewer's answer to a question (anonymous viewers by their signed cookie)."""

    question = models.ForeignKey(VideoQuestion, verbose_name=_("问题"), on_delete=models.CASCADE,
                                 related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    viewer = models.CharField(_("观众标识"), max_length=64)
    choices = models.ManyToManyField(Choice, verbose_name=_("所选选项"), related_name="+")
    is_correct = models.BooleanField(_("答对"))
    created_at = models.DateTimeField(_("作答时间"), default=timezone.now)

    class Meta:
        verbose_name = _("答题记录")
        verbose_name_plural = _("答题记录")
        constraints = [models.UniqueConstraint(fields=["question", "viewer"], name="pufa_answer_once")]
        indexes = [models.Index(fields=["question", "is_correct"], name="pufa_answer_rate_idx")]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.viewer}"


class PlayDaily(models.Model):
    """Plays per video per day, filled by the play-count flush."""

    video = models.ForeignKey(Video, verbose_name=_("视频"), on_delete=models.CASCADE, related_name="daily_plays")
    day = models.DateField(_("日期"))
    count = models.PositiveBigIntegerField(_("播放次数"), default=0)

    class Meta:
        verbose_name = _("每日播放")
        verbose_name_plural = _("每日播放")
        constraints = [models.UniqueConstraint(fields=["video", "day"], name="pufa_playdaily_unique")]
        indexes = [models.Index(fields=["day"], name="pufa_playdaily_day_idx")]

    def __str__(self) -> str:
        return f"{self.video_id} {self.day} {self.count}"


class PlaySeen(models.Model):
    """Who already played what today: used only by the database play counter (no Redis)."""

    video_id = models.BigIntegerField()
    day = models.DateField()
    viewer = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("播放去重记录")
        verbose_name_plural = _("播放去重记录")
        constraints = [models.UniqueConstraint(fields=["day", "video_id", "viewer"], name="pufa_playseen_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.video_id} {self.viewer}"


class ArticleKind(models.TextChoices):
    CASE = "case", _("以案释法")
    LECTURE = "lecture", _("法治讲堂")
    CULTURE = "culture", _("法治文化")


class BodyFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML（富文本）")


class CaseExplanationQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_published=True)


class CaseExplanation(models.Model):
    """以案释法 / 法治讲堂 / 法治文化 articles written by staff; the body is sanitised on save."""

    kind = models.CharField(_("栏目"), max_length=10, choices=ArticleKind.choices, default=ArticleKind.CASE)
    title = models.CharField(_("标题"), max_length=120)
    field = models.ForeignKey(FieldOfLaw, verbose_name=_("法律领域"), on_delete=models.PROTECT,
                              related_name="articles")
    topic = models.ForeignKey(Topic, verbose_name=_("主题"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="articles")
    audiences = models.ManyToManyField(Audience, verbose_name=_("受众群体"), blank=True, related_name="articles")
    series = models.ForeignKey(Series, verbose_name=_("系列"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="articles")
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    body_format = models.CharField(_("正文格式"), max_length=10, choices=BodyFormat.choices,
                                   default=BodyFormat.MARKDOWN)
    body = models.TextField(_("正文"), help_text=_("Markdown 或 HTML；保存时自动清理不安全的标签。"))
    body_html = models.TextField(_("正文（已清理的 HTML）"), blank=True, editable=False)
    cover = models.ImageField(_("配图"), upload_to=media_path, blank=True, max_length=255)
    related_videos = models.ManyToManyField(Video, verbose_name=_("相关视频"), blank=True, related_name="articles")
    region_code = models.CharField(_("发布区域代码"), max_length=12, default="", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("作者"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = CaseExplanationQuerySet.as_manager()

    class Meta:
        verbose_name = _("以案释法文章")
        verbose_name_plural = _("以案释法文章")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["region_code"], name="pufa_article_region_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["is_published", "kind", "-published_at"], name="pufa_article_public_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.is_published

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("pufa_media:article", args=[self.pk])


class ArticleImage(models.Model):
    """An image staff upload for an article; its URL is pasted into the Markdown body."""

    article = models.ForeignKey(CaseExplanation, verbose_name=_("文章"), on_delete=models.CASCADE,
                                related_name="images")
    image = models.ImageField(_("图片"), upload_to=media_path, max_length=255)
    caption = models.CharField(_("说明"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("文章图片")
        verbose_name_plural = _("文章图片")

    def __str__(self) -> str:
        return self.caption or self.image.name


class Playlist(models.Model):
    """What the service hall's screen loops (纸屏联动)."""

    name = models.CharField(_("名称"), max_length=64)
    region_code = models.CharField(_("区域代码"), max_length=12, default="", blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    show_subtitles = models.BooleanField(_("显示字幕"), default=True)
    muted = models.BooleanField(_("静音播放"), default=False,
                                help_text=_("大厅屏幕无人操作时，浏览器可能只允许静音自动播放。"))

    class Meta:
        verbose_name = _("大厅播放列表")
        verbose_name_plural = _("大厅播放列表")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["region_code"], name="pufa_playlist_region_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, verbose_name=_("播放列表"), on_delete=models.CASCADE,
                                 related_name="items")
    video = models.ForeignKey(Video, verbose_name=_("视频"), on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("播放项")
        verbose_name_plural = _("播放项")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.order}"


class UploadSession(models.Model):
    """A chunked, resumable upload of a source file (survives a dropped mobile connection)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey(Video, verbose_name=_("视频"), on_delete=models.CASCADE, related_name="uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE,
                             related_name="+")
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("文件大小"))
    received = models.PositiveBigIntegerField(_("已接收"), default=0)
    completed = models.BooleanField(_("已完成"), default=False)
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now)

    class Meta:
        verbose_name = _("分片上传")
        verbose_name_plural = _("分片上传")

    def __str__(self) -> str:
        return self.filename

    @property
    def temp_name(self) -> str:
        return f"pufa/uploads/{self.id.hex}.part"


class PlayFlush(models.Model):
    """A Redis batch of pending plays already written: makes the flush exactly-once on a retry."""

    batch = models.CharField(_("批次"), max_length=64, unique=True)
    plays = models.PositiveBigIntegerField(_("播放次数"), default=0)
    created_at = models.DateTimeField(_("写入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("播放计数写入批次")
        verbose_name_plural = _("播放计数写入批次")

    def __str__(self) -> str:
        return self.batch
