"""The registry of places, units and people.

Regions form a tree whose materialised path is the 12-digit administrative division code
itself: a region's subtree is every code that starts with its level's prefix
(province 2 digits, city 4, county 6, township 9, village 12). One indexed prefix query
answers "this region and everything below" at any depth.
"""

from __future__ import annotations

import json
import re

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
mobile_validator = RegexValidator(MOBILE_RE, _("请输入有效的11位中国大陆手机号码。"))
code12_validator = RegexValidator(r"^\d{12}$", _("行政区划代码必须是12位数字。"))


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县/区")
    TOWNSHIP = 4, _("乡镇/街道")
    VILLAGE = 5, _("村/社区")


PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


def code_prefix(code: str, level: int) -> str:
    return code[: PREFIX_LENGTH[RegionLevel(level)]]


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: Region, include_self: bool = True) -> RegionQuerySet:
        qs = self.filter(code__startswith=region.prefix)
        return qs if include_self else qs.exclude(pk=region.pk)

    def children_of(self, region: Region | None) -> RegionQuerySet:
        return self.filter(parent=region)


class Region(models.Model):
    code = models.CharField(_("行政区划代码"), max_length=12, unique=True, validators=[code12_validator])
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["code"]
        # The unique constraint on code already gives PostgreSQL a varchar_pattern_ops
        # ("_like") index, which serves the subtree's LIKE 'prefix%'.
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="region_level_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return code_prefix(self.code, self.level)

    def clean(self):
        errors = validate_region(code=self.code, level=self.level, parent=self.parent)
        if errors:
            raise ValidationError(errors)

    def ancestors(self) -> list[Region]:
        """Ancestors from the root down, resolved from the code in one query."""
        prefixes = [
            self.code[:n].ljust(12, "0") for lvl, n in PREFIX_LENGTH.items() if lvl < self.level
        ]
        return list(Region.objects.filter(code__in=prefixes).order_by("level"))

    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors()) + self.name


def validate_region(*, code: str, level: int | None, parent: Region | None) -> dict[str, str]:
    """Tree rules: 12 digits; level one below the parent's; code inside the parent's prefix;
    the digits below the region's own level are zero. Returns field -> message."""
    errors: dict[str, str] = {}
    if not code or not re.fullmatch(r"\d{12}", code):
        errors["code"] = str(_("行政区划代码必须是12位数字。"))
        return errors
    if level not in PREFIX_LENGTH:
        errors["level"] = str(_("层级无效。"))
        return errors
    own = PREFIX_LENGTH[RegionLevel(level)]
    if code[own:].strip("0"):
        errors["code"] = str(_("%(level)s级代码的第%(n)d位之后应全部为0。") % {
            "level": RegionLevel(level).label, "n": own})
    if parent is None:
        if level not in (RegionLevel.PROVINCE, RegionLevel.CITY):
            errors["parent"] = str(_("只有省级或市级区域可以没有上级区域。"))
    else:
        if parent.level != level - 1:
            errors["parent"] = str(_("%(child)s的上级必须是%(want)s，不能是%(got)s。") % {
                "child": RegionLevel(level).label,
                "want": RegionLevel(level - 1).label,
                "got": RegionLevel(parent.level).label,
            })
        elif not code.startswith(parent.prefix):
            errors["code"] = str(_("代码%(code)s不在上级区域%(parent)s（%(prefix)s）的代码范围内。") % {
                "code": code, "parent": parent.name, "prefix": parent.prefix})
        elif code == parent.code:
            errors["code"] = str(_("代码不能与上级区域相同。"))
    return errors


class Role(models.TextChoices):
    CITIZEN = "citizen", _("群众")
    GRID_WORKER = "grid_worker", _("网格员")
    CENTRE_STAFF = "centre_staff", _("综治中心工作人员")
    CENTRE_LEADER = "centre_leader", _("综治中心领导")
    DEPT_HANDLER = "dept_handler", _("部门办理人")
    DEPT_LEADER = "dept_leader", _("部门领导")
    MEDIATOR = "mediator", _("调解员")
    LAWYER = "lawyer", _("律师")
    ADMIN = "admin", _("系统管理员")


class AccountManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: username})

    def create_user(self, username=None, password=None, **extra):
        extra.setdefault("role", Role.CITIZEN)
        if not username and extra.get("phone"):
            username = extra["phone"]
        user = self.model(username=username, **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username=None, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Citizens log in with a mainland mobile number, staff with a username."""

    username = models.CharField(_("用户名"), max_length=64, unique=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, unique=True, null=True, blank=True, validators=[mobile_validator]
    )
    display_name = models.CharField(_("姓名/显示名"), max_length=64)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CITIZEN, db_index=True)
    unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("所属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_staff = models.BooleanField(_("可登录管理后台"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)

    objects = AccountManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="citizen") | Q(phone__isnull=False), name="citizen_has_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_perm(self, perm, obj=None):
        from grid import permissions

        return super().has_perm(perm, obj) or permissions.role_has_perm(self, perm)

    def has_module_perms(self, app_label):
        from grid import permissions

        return super().has_module_perms(app_label) or permissions.role_has_module_perms(self, app_label)

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name

    def clean(self):
        super().clean()
        from grid import permissions

        if self.role in permissions.UNIT_ROLES and not self.unit_id:
            raise ValidationError({"unit": _("该角色必须属于一个单位。")})
        if self.unit_id and self.role in permissions.UNIT_ROLES:
            wanted = permissions.UNIT_KIND_FOR_ROLE[self.role]
            if self.unit.kind not in wanted:
                raise ValidationError({"unit": _("该角色所属单位类型不正确。")})
        if self.role == Role.CITIZEN and not self.phone:
            raise ValidationError({"phone": _("群众账号必须填写手机号码。")})


class UnitKind(models.TextChoices):
    CENTRE = "centre", _("综治中心")
    DEPARTMENT = "department", _("职能部门")
    MEDIATION = "mediation", _("调解组织")


class MediationOrgType(models.TextChoices):
    PEOPLES = "peoples", _("人民调解委员会")
    INDUSTRY = "industry", _("行业性专业性调解组织")
    BRAND = "brand", _("品牌调解室（一村一品）")
    LAWYER = "lawyer", _("律师调解工作室")
    EXPERT = "expert", _("专家库")


class UnitQuerySet(models.QuerySet):
    def in_region(self, region: Region) -> UnitQuerySet:
        return self.filter(region_code__startswith=region.prefix)

    def centres(self):
        return self.filter(kind=UnitKind.CENTRE)

    def departments(self):
        return self.filter(kind=UnitKind.DEPARTMENT)

    def mediation_orgs(self):
        return self.filter(kind=UnitKind.MEDIATION)


class Unit(models.Model):
    """A governance centre, a department or a mediation organisation: every body that
    receives work. One table so that "lead unit", "first-receiving unit" and routing
    rules point at one thing; the admin shows each kind through its proxy model."""

    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices, db_index=True)
    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="units")
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices, editable=False)
    duties = models.TextField(_("职能"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    leader = models.ForeignKey(
        User, verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    org_type = models.CharField(_("调解组织类别"), max_length=16, choices=MediationOrgType.choices, blank=True)
    languages = models.CharField(_("服务语言"), max_length=100, blank=True, help_text=_("例如：普通话、彝语"))
    is_legal_aid = models.BooleanField(_("法律援助中心"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region_code", "kind", "name"]
        indexes = [
            models.Index(fields=["region_code"], name="unit_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "region_code"], name="unit_kind_region_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["region"], condition=Q(kind="centre"), name="one_centre_per_region"
            ),
            models.CheckConstraint(
                condition=Q(kind="mediation") | Q(org_type=""), name="org_type_only_for_mediation"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        self.level = self.region.level
        super().save(*args, **kwargs)

    @property
    def region_prefix(self) -> str:
        return code_prefix(self.region_code, self.level)


class _KindManager(models.Manager):
    kind = ""

    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).filter(kind=self.kind)


class CentreManager(_KindManager):
    kind = UnitKind.CENTRE


class DepartmentManager(_KindManager):
    kind = UnitKind.DEPARTMENT


class MediationManager(_KindManager):
    kind = UnitKind.MEDIATION


class GovernanceCentre(Unit):
    objects = CentreManager()

    class Meta:
        proxy = True
        verbose_name = _("综治中心")
        verbose_name_plural = _("综治中心")

    def save(self, *args, **kwargs):
        self.kind = UnitKind.CENTRE
        super().save(*args, **kwargs)


class Department(Unit):
    objects = DepartmentManager()

    class Meta:
        proxy = True
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")

    def save(self, *args, **kwargs):
        self.kind = UnitKind.DEPARTMENT
        super().save(*args, **kwargs)


class MediationOrganisation(Unit):
    objects = MediationManager()

    class Meta:
        proxy = True
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")

    def save(self, *args, **kwargs):
        self.kind = UnitKind.MEDIATION
        super().save(*args, **kwargs)


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合网格")
    SPECIAL = "special", _("专属网格")


class SpecialGridType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    MARKET = "market", _("市场")
    PARK = "park", _("园区")
    OTHER = "other", _("其他")


def validate_geojson_polygon(value):
    if value in (None, "", {}):
        return
    data = value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise ValidationError(_("边界不是有效的GeoJSON。")) from exc
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("边界必须是GeoJSON的Polygon或MultiPolygon。"))
    coords = data.get("coordinates")
    polys = [coords] if data["type"] == "Polygon" else (coords or [])
    try:
        for poly in polys:
            for ring in poly:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    raise ValidationError(_("多边形的每个环至少4个点且首尾相同。"))
                for lng, lat, *_rest in ring:
                    if not (-180 <= float(lng) <= 180 and -90 <= float(lat) <= 90):
                        raise ValidationError(_("坐标超出经纬度范围。"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("边界坐标格式不正确。")) from exc


class Grid(models.Model):
    code = models.CharField(
        _("网格编码"), max_length=15, unique=True,
        validators=[RegexValidator(r"^\d{15}$", _("网格编码必须是15位数字（村/社区代码+3位序号）。"))],
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("网格类型"), max_length=16, choices=GridKind.choices, default=GridKind.COMPREHENSIVE)
    special_type = models.CharField(_("专属网格类别"), max_length=16, choices=SpecialGridType.choices, blank=True)
    village = models.ForeignKey(
        Region, verbose_name=_("所属村/社区"), on_delete=models.PROTECT, related_name="grids"
    )
    region_code = models.CharField(_("区域代码"), max_length=12, editable=False)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True, validators=[validate_geojson_polygon])
    workers = models.ManyToManyField(
        User, verbose_name=_("网格员"), blank=True, related_name="grids", limit_choices_to={"role": Role.GRID_WORKER}
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["region_code"], name="grid_region_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="special", special_type__gt="") | Q(kind="comprehensive", special_type=""),
                name="grid_special_type_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.village_id:
            if self.village.level != RegionLevel.VILLAGE:
                errors["village"] = _("网格的上级必须是村/社区。")
            elif self.code and not self.code.startswith(self.village.code):
                errors["code"] = _("网格编码必须以所属村/社区的12位代码开头。")
        if self.kind == GridKind.SPECIAL and not self.special_type:
            errors["special_type"] = _("专属网格必须选择类别。")
        if self.kind == GridKind.COMPREHENSIVE and self.special_type:
            errors["special_type"] = _("综合网格不设专属类别。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.region_code = self.village.code
        super().save(*args, **kwargs)


class GridTaskItem(models.Model):
    """A department's task item that grid workers carry out in their grids (Siping: 36 items)."""

    department = models.ForeignKey(
        Unit, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="grid_task_items",
        limit_choices_to={"kind": UnitKind.DEPARTMENT},
    )
    title = models.CharField(_("事项名称"), max_length=100)
    description = models.TextField(_("工作要求"), blank=True)
    grids = models.ManyToManyField(Grid, verbose_name=_("适用网格"), blank=True, related_name="task_items")

    class Meta:
        verbose_name = _("网格事项")
        verbose_name_plural = _("网格事项")
        ordering = ["department", "title"]

    def __str__(self) -> str:
        return self.title


class LoginCode(models.Model):
    """A one-time SMS login code, stored only as a keyed hash, valid for a few minutes.

    Rows are also the record the per-phone and per-address throttles count.
    """

    phone = models.CharField(_("手机号码"), max_length=11, validators=[mobile_validator])
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["phone", "created_at"], name="grid_logincode_phone_idx")]

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%H:%M}"


class RateCounter(models.Model):
    """A throttle's count for one fixed time window, kept here only while the cache (Redis)
    cannot be reached (grid/throttle.py)."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="grid_ratecounter_key_window")]

    def __str__(self) -> str:
        return f"{self.key} {self.window}: {self.hits}"


class SubmissionKey(models.Model):
    """An idempotency key a citizen's phone sent with a form (a draft kept offline and sent
    again when the signal returns, a double tap, a retried request): the first submission with
    a key files the thing, every later one gets that same thing back (grid/idempotency.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=32)  # what the key files: "grievance", "supplement", "question"
    key = models.CharField(max_length=64)
    ref = models.PositiveBigIntegerField(null=True, blank=True)  # the primary key of what it filed
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("提交幂等键")
        verbose_name_plural = _("提交幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="grid_submissionkey_unique")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
