"""Law library data: laws, their articles, known repealed laws, the colloquial→legal concept
table used by the search, and the generic citation index other apps fill on publish.

It also owns the one table of fields of law (``FieldOfLaw``) that lawyers, questions,
commissions, document templates, legal videos, case explanations and the hot-field page
all refer to. The lawyer Q&A models live in legalqa.lawyers."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LawCategory(models.TextChoices):
    CONSTITUTION = "宪法", _("宪法")
    CONSTITUTION_RELATED = "宪法相关法", _("宪法相关法")
    CIVIL_COMMERCIAL = "民法商法", _("民法商法")
    ADMINISTRATIVE = "行政法", _("行政法")
    ECONOMIC = "经济法", _("经济法")
    SOCIAL = "社会法", _("社会法")
    CRIMINAL = "刑法", _("刑法")
    PROCEDURE = "诉讼与非诉讼程序法", _("诉讼与非诉讼程序法")
    ADMIN_REGULATION = "行政法规", _("行政法规")
    LOCAL_REGULATION = "地方性法规", _("地方性法规")


class LawStatus(models.TextChoices):
    IN_FORCE = "有效", _("有效")
    AMENDED = "已修改", _("已修改")
    REPEALED = "已废止", _("已废止")


class LawSource(models.TextChoices):
    PACKAGE = "package", _("法规数据包")
    STAFF = "staff", _("工作人员录入")


class LawQuerySet(models.QuerySet):
    def not_repealed(self):
        return self.exclude(status=LawStatus.REPEALED)

    def readable(self):
        """Laws a reader browses: every version except amendment acts (修正案/修改决定)."""
        return self.exclude(doc_type__in=["修正案", "修改决定"])


class Law(models.Model):
    """One version of one law. The corpus keeps historical versions of some laws beside the
    current one under the same title; ``in_force_from``/``status`` tell which one applies."""

    source = models.CharField(_("来源"), max_length=10, choices=LawSource.choices, default=LawSource.PACKAGE)
    source_id = models.CharField(_("来源编号"), max_length=40, unique=True)
    title = models.CharField(_("法律名称"), max_length=200, db_index=True)
    short_title = models.CharField(_("简称"), max_length=120, db_index=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True, help_text=_("如 民法典、劳动合同法、消保法"))
    slug = models.CharField(_("地址标识"), max_length=160, unique=True)
    category = models.CharField(_("法律门类"), max_length=12, choices=LawCategory.choices, db_index=True)
    doc_type = models.CharField(_("文件类型"), max_length=20, default="法律")
    issuing_body = models.CharField(_("制定机关"), max_length=100, blank=True)
    promulgated_on = models.DateField(_("公布日期"), null=True, blank=True)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    version_date = models.DateField(_("版本日期"), null=True, blank=True)
    in_force_from = models.DateField(
        _("本版本施行日期"), null=True, blank=True,
        help_text=_("本文本开始适用的日期：修订版本取修订施行日，原始版本取施行日"),
    )
    status = models.CharField(_("时效状态"), max_length=6, choices=LawStatus.choices, default=LawStatus.IN_FORCE)
    is_current_text = models.BooleanField(
        _("最新文本"), default=True, help_text=_("同名法律的最新文本（可能尚未施行）"),
    )
    region_code = models.CharField(_("适用地区代码"), max_length=12, blank=True, db_index=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    article_count = models.PositiveIntegerField(_("条文数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LawQuerySet.as_manager()

    class Meta:
        verbose_name = _("法律")
        verbose_name_plural = _("法律")
        ordering = ["category", "short_title", "-version_date"]

    def __str__(self):
        if not self.is_current_text and self.version_date:
            return f"{self.title}（{self.version_date:%Y}年版）"
        return self.title

    def get_absolute_url(self):
        return reverse("legalqa:law_detail", kwargs={"law": self.slug})

    def in_force_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        if self.status == LawStatus.REPEALED:
            return False
        return self.in_force_from is None or self.in_force_from <= day

    @property
    def not_yet_in_force(self) -> bool:
        return self.status != LawStatus.REPEALED and bool(self.in_force_from) and (
            self.in_force_from > timezone.localdate()
        )


class Article(models.Model):
    """One article (条). ``number`` is the integer as printed, ``suffix`` the 之N part (so
    第一百二十条之一 is number 120, suffix 1, a distinct article); ``paragraphs`` keeps the
    款 apart (each 款 string may hold its 项 lines)."""

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="articles", verbose_name=_("法律"))
    number = models.PositiveIntegerField(_("条号"))
    suffix = models.PositiveSmallIntegerField(_("之几"), default=0)
    label = models.CharField(_("条号（原文）"), max_length=30)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    part = models.CharField(_("编"), max_length=100, blank=True)
    chapter = models.CharField(_("章"), max_length=100, blank=True)
    section = models.CharField(_("节"), max_length=100, blank=True)
    text = models.TextField(_("条文"))
    paragraphs = models.JSONField(_("款"), default=list)
    source_id = models.CharField(_("来源编号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("条文")
        verbose_name_plural = _("条文")
        ordering = ["law", "position"]
        constraints = [
            models.UniqueConstraint(fields=["law", "number", "suffix"], name="legalqa_article_unique_number"),
        ]

    def __str__(self):
        return f"{self.law.short_title}{self.label}"

    @property
    def key(self) -> str:
        return article_key(self.number, self.suffix)

    @property
    def anchor(self) -> str:
        return f"a{self.key}"

    def get_absolute_url(self):
        return reverse("legalqa:article_detail", kwargs={"law": self.law.slug, "article": self.key})


def article_key(number: int, suffix: int = 0) -> str:
    """The URL segment of an article: ``1165`` or ``120-1`` for 第一百二十条之一."""
    return f"{number}-{suffix}" if suffix else str(number)


class RepealedLaw(models.Model):
    """A law no longer in force, known by name even where the corpus lacks its text, with
    its successor (e.g. 合同法 → 民法典, repealed 2021-01-01)."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    successor = models.ForeignKey(
        Law, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("继受法律"),
    )
    successor_name = models.CharField(_("继受法律名称"), max_length=200, blank=True)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("已废止法律")
        verbose_name_plural = _("已废止法律")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FieldOfLawQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class FieldOfLaw(models.Model):
    """A field of law (婚姻家庭, 合同, 劳动 …): the one list behind Q&A routing, lawyers'
    fields of practice, commissions, document templates, legal videos, case explanations and
    the hot-field page. The codes are stable (links such as ``?field=labour`` use them); the
    seeded list is ``legalqa.fields_of_law.FIELDS_OF_LAW``. Inactive fields stay on old
    records but are not offered for new questions, commissions or profiles."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    objects = FieldOfLawQuerySet.as_manager()

    class Meta:
        verbose_name = _("法律领域")
        verbose_name_plural = _("法律领域")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class LegalConcept(models.Model):
    """One legal concept of the colloquial→legal expansion table. When a question contains a
    trigger phrase (or all parts of a trigger written ``甲+乙``), the search adds the legal
    terms. Staff edit this table in the admin; it is organised by field and concept, not by
    the wording of particular questions."""

    field = models.CharField(_("领域"), max_length=30, db_index=True)
    name = models.CharField(_("法律概念"), max_length=60, unique=True)
    triggers = models.TextField(_("口语触发词"), help_text=_("每行一个；用“+”连接表示须同时出现，用“/”分隔可互换的词，如 房东+押金、商场/超市+摔/滑"))
    terms = models.TextField(_("法律用语"), help_text=_("每行或以空格分隔一个，检索时并入查询"))
    laws = models.CharField(
        _("优先法律"), max_length=200, blank=True, help_text=_("可选：命中时优先的法律简称，空格分隔，如 民法典 劳动合同法"),
    )
    weight = models.FloatField(_("权重"), default=1.0)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("口语—法律概念")
        verbose_name_plural = _("口语—法律概念对照表")
        ordering = ["field", "name"]

    def __str__(self):
        return f"{self.field}·{self.name}"

    def trigger_list(self) -> list[list[str]]:
        out = []
        for line in self.triggers.replace("，", "\n").replace(",", "\n").splitlines():
            parts = [p.strip() for p in line.split("+") if p.strip()]
            if parts:
                out.append(parts)
        return out

    def term_list(self) -> list[str]:
        return [t for t in self.terms.replace("，", " ").replace(",", " ").split() if t]

    def law_list(self) -> list[str]:
        return [t for t in self.laws.replace("，", " ").replace(",", " ").split() if t]


class Verdict(models.TextChoices):
    VALID = "valid", _("有效引用")
    UNKNOWN_LAW = "unknown_law", _("未知法律")
    NO_SUCH_ARTICLE = "no_such_article", _("无此条文")
    PARAGRAPH_OUT_OF_RANGE = "paragraph_out_of_range", _("款号超出范围")
    REPEALED = "repealed", _("法律已废止")
    NOT_COVERED = "not_covered", _("本库未收录")


class CitationLink(models.Model):
    """A statute reference found in some other app's text (an answer, a video description, a
    case explanation). Filled by ``legalqa.library_services.record_citations(obj, text)`` on publish;
    read by the article page's "related" panel."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    content_object = GenericForeignKey("content_type", "object_id")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="citation_links",
    )
    law_title = models.CharField(_("法律"), max_length=200)
    article_number = models.PositiveIntegerField(null=True, blank=True)
    paragraph = models.PositiveSmallIntegerField(null=True, blank=True)
    verdict = models.CharField(_("核验结果"), max_length=24, choices=Verdict.choices)
    quote = models.CharField(_("引用原文"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("引用记录")
        verbose_name_plural = _("引用记录")
        indexes = [models.Index(fields=["content_type", "object_id"], name="legalqa_citlink_obj")]

    def __str__(self):
        return self.quote


class ImportRun(models.Model):
    """What one ``import_laws`` run found and changed."""

    source_hash = models.CharField(max_length=64)
    started_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)
    laws_total = models.PositiveIntegerField(default=0)
    articles_total = models.PositiveIntegerField(default=0)
    laws_created = models.PositiveIntegerField(default=0)
    laws_updated = models.PositiveIntegerField(default=0)
    articles_created = models.PositiveIntegerField(default=0)
    articles_updated = models.PositiveIntegerField(default=0)
    articles_deleted = models.PositiveIntegerField(default=0)
    report = models.TextField(blank=True)

    class Meta:
        verbose_name = _("法规导入记录")
        verbose_name_plural = _("法规导入记录")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.source_hash[:8]}"


class LawRequest(models.Model):
    """A reader asked the library to add a law or regulation it does not hold (the link beside
    a reference marked 本库未收录). One row per name; repeated requests count up."""

    name = models.CharField(_("法规名称"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("请求次数"), default=1)
    first_requested_at = models.DateTimeField(_("首次请求"), default=timezone.now)
    last_requested_at = models.DateTimeField(_("最近请求"), default=timezone.now)
    handled = models.BooleanField(_("已处理"), default=False)

    class Meta:
        verbose_name = _("法规收录请求")
        verbose_name_plural = _("法规收录请求")
        ordering = ["handled", "-count", "-last_requested_at"]

    def __str__(self):
        return self.name
