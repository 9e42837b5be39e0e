"""Forms: validation and the shape of what people type; decisions stay in services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grid import form_renderer, uploads
from grid.models import MOBILE_RE, Grid, Region, RegionLevel, Unit, UnitKind
from grievances.models import (
    Category,
    CategoryGroup,
    GrievanceKind,
    RiskLevel,
    Satisfaction,
    Severity,
    StagedRef,
)


class MultipleFileField(uploads.MultiUploadField):
    """Material of an appeal at any step, checked by the upload gate (policy "appeal")."""

    def __init__(self, **kwargs):
        super().__init__(policy="appeal", **kwargs)


class StagedFilesMixin:
    """Files uploaded ahead of the form (``staged`` ids posted by grievances/forms.js) join
    the files chosen in the form itself, within the same count limit; the service checks
    each id belongs to the person submitting."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or "files" not in getattr(self, "cleaned_data", {}):
            return
        getlist = getattr(self.data, "getlist", None)
        raw = getlist("staged") if getlist else self.data.get("staged", [])
        ids = list(dict.fromkeys(int(x) for x in ([raw] if isinstance(raw, str) else raw) if str(x).isdigit()))
        limit = uploads.POLICIES["appeal"].max_files
        if len(self.cleaned_data["files"]) + len(ids) > limit:
            self.add_error("files", _("一次最多上传%(n)d个文件。") % {"n": limit})
            return
        self.cleaned_data["files"] = list(self.cleaned_data["files"]) + [StagedRef(i) for i in ids]


def _with_voice(data: dict) -> None:
    if data.get("voice") and "files" in data:
        data["files"] = list(data["files"]) + [data.pop("voice")]


def has_voice_note(files) -> bool:
    """Whether a voice note (按住说话) is among the files: staged ahead (the service checks
    again that it is the submitter's own) or sent with the form."""
    from grievances.models import AttachmentKind, StagedUpload

    if any(getattr(f, "kind", None) == uploads.AUDIO for f in files if not isinstance(f, StagedRef)):
        return True
    ids = [f.pk for f in files if isinstance(f, StagedRef)]
    return bool(ids) and StagedUpload.objects.filter(pk__in=ids, kind=AttachmentKind.AUDIO).exists()


FILES_HELP = _("可上传多张照片、视频或文档：图片每张不超过10MB，视频不超过50MB，文档不超过10MB，最多9个。")


def _categories():
    return Category.objects.filter(group=CategoryGroup.DISPUTE, is_active=True)


def _tags():
    return Category.objects.filter(group=CategoryGroup.KEY_AREA, is_active=True)


class VersionForm(forms.Form):
    """Every action form carries the version the person saw, so a second person acting on
    the same item at the same time gets a clear message instead of a silent overwrite.

    Rendered by grid.form_renderer (the same HTML as Django's widget templates): the item
    pages show every action allowed now, each with its form."""

    default_renderer = form_renderer.renderer
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SubmitForm(StagedFilesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("诉求类型"), choices=GrievanceKind.choices,
                             help_text=_("选择“法律援助申请”时，提交后将转到法律援助申请表继续填写。"))
    category = forms.ModelChoiceField(label=_("问题类别"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("不确定（由工作人员分类）"))
    region_code = forms.CharField(label=_("发生地（村/社区）"), max_length=12, widget=forms.HiddenInput)
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("例如：柳岸花园3栋")}))
    # Required unless a voice note is attached (按住说话; checked in full_clean and by the service).
    title = forms.CharField(label=_("标题"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("一句话说明问题")}))
    description = forms.CharField(label=_("诉求内容"), max_length=5000, required=False,
                                  help_text=_("不方便打字？可以在下面“按住说话”录一段语音（最长3分钟），录了语音这里可以不填。"),
                                  widget=forms.Textarea(attrs={"rows": 5}))
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=11, required=False)
    hide_identity = forms.BooleanField(label=_("对承办部门隐藏我的姓名和电话"), required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False,
                                   widget=forms.HiddenInput)
    files = MultipleFileField(label=_("照片/视频/文档"), help_text=FILES_HELP)
    # A voice note that travels with the form (an offline draft sent later) rather than staged.
    voice = uploads.UploadField(policy="voice", required=False, label=_("语音"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            data["latitude"] = data["longitude"] = None
        return data

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        _with_voice(self.cleaned_data)
        if has_voice_note(self.cleaned_data.get("files", [])):
            return
        if not (self.cleaned_data.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("请填写标题，或按住“按住说话”录一段语音。"))
        if not (self.cleaned_data.get("description") or "").strip() and "description" not in self.errors:
            self.add_error("description", _("请填写诉求内容，或按住“按住说话”录一段语音。"))

    def clean_region_code(self):
        code = self.cleaned_data["region_code"].strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError(_("请选择发生地。"))
        if region.level < RegionLevel.COUNTY:
            raise ValidationError(_("请至少选择到县/区，最好选到村/社区。"))
        self.region = region
        return code

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        if phone and not MOBILE_RE.match(phone):
            raise ValidationError(_("请输入有效的11位手机号码。"))
        return phone


class PatrolForm(StagedFilesMixin, forms.Form):
    grid = forms.ModelChoiceField(label=_("网格"), queryset=Grid.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("事项类型"), choices=GrievanceKind.choices, initial=GrievanceKind.DISPUTE)
    category = forms.ModelChoiceField(label=_("问题类别"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("不确定"))
    address = forms.CharField(label=_("具体位置"), max_length=200, required=False)
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(label=_("情况描述"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    contact_name = forms.CharField(label=_("当事人姓名"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("当事人电话（可不填）"), max_length=11, required=False)
    files = MultipleFileField(label=_("现场照片/视频"), help_text=FILES_HELP)

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids if grids is not None else Grid.objects.none()
        self.fields["category"].queryset = _categories()

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        if phone and not MOBILE_RE.match(phone):
            raise ValidationError(_("请输入有效的11位手机号码。"))
        return phone


class SupplementForm(StagedFilesMixin, VersionForm):
    note = forms.CharField(label=_("补充说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("补充材料"), help_text=FILES_HELP)
    voice = uploads.UploadField(policy="voice", required=False, label=_("语音"))

    def full_clean(self):
        super().full_clean()
        if self.is_bound and hasattr(self, "cleaned_data"):
            _with_voice(self.cleaned_data)


class RatingForm(VersionForm):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    professionalism = forms.TypedChoiceField(
        label=_("专业度（1-5分）"), choices=[("", "—")] + [(str(i), str(i)) for i in range(5, 0, -1)], coerce=int,
        required=False, empty_value=None,
    )
    comment = forms.CharField(label=_("评价意见"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class LookupForm(forms.Form):
    tracking_no = forms.CharField(label=_("受理编号"), max_length=30,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    phone = forms.CharField(label=_("提交时填写的手机号码"), max_length=11,
                            widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class CasesForm(forms.Form):
    category = forms.ModelChoiceField(label=_("类别"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("全部类别"))
    county = forms.ModelChoiceField(label=_("县/区"), queryset=Region.objects.filter(level=RegionLevel.COUNTY),
                                    required=False, empty_label=_("全部县/区"))
    q = forms.CharField(label=_("关键词"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()


# ---- department actions ----


class NoteForm(VersionForm):
    note = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class OptionalNoteForm(VersionForm):
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(StagedFilesMixin, VersionForm):
    note = forms.CharField(label=_("阶段性回复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("附件"), help_text=FILES_HELP)


class CompleteForm(StagedFilesMixin, VersionForm):
    result = forms.CharField(label=_("办理结果"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("办结材料"), help_text=FILES_HELP)


class ReturnForm(VersionForm):
    reason = forms.CharField(label=_("退回理由（须详细说明不属于本单位职责的原因）"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


# ---- centre actions (admin) ----


def _dispatch_units(actor, grievance):
    """Lead and co-handling units for an item: those serving its place (grid.permissions)."""
    from grid import permissions

    return permissions.dispatch_units(actor, grievance).order_by("kind", "name")


def _set_units(single: forms.ModelChoiceField, multiple: forms.ModelMultipleChoiceField, units) -> None:
    """Both unit fields of a form choose among ``units`` (validated against the queryset);
    their options are read once as (id, name), what Django's choice iterator would show
    (``Unit.__str__`` is the name), without a query and a model instance per unit for each
    field: a city centre lists dozens of units, an administrator the province's 1,300."""
    names = list(units.values_list("pk", "name"))
    single.queryset = units
    single.choices = ([("", single.empty_label)] if single.empty_label is not None else []) + names
    multiple.queryset = units
    multiple.choices = names


class AcceptForm(VersionForm):
    kind = forms.ChoiceField(label=_("诉求类型"), choices=GrievanceKind.choices)
    category = forms.ModelChoiceField(label=_("纠纷类别"), queryset=Category.objects.none(), required=False)
    tags = forms.ModelMultipleChoiceField(label=_("重点领域标签"), queryset=Category.objects.none(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    severity = forms.ChoiceField(label=_("纠纷等级"), choices=[("", "—")] + list(Severity.choices), required=False)
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=[("", "—")] + list(RiskLevel.choices), required=False)
    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    is_mass = forms.BooleanField(label=_("涉众"), required=False)
    is_difficult = forms.BooleanField(label=_("疑难复杂"), required=False)
    note = forms.CharField(label=_("受理意见（群众可见）"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()
        self.fields["tags"].queryset = _tags()


class RejectForm(VersionForm):
    reason = forms.CharField(label=_("不予受理理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    guidance = forms.CharField(label=_("办理指引（告知群众应向何处反映）"), max_length=1000,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)


class DispatchForm(VersionForm):
    unit = forms.ModelChoiceField(label=_("牵头承办单位"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(label=_("协办单位"), queryset=Unit.objects.none(), required=False,
                                              widget=forms.SelectMultiple(attrs={"size": 6}))
    note = forms.CharField(label=_("交办意见"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)
        _set_units(self.fields["unit"], self.fields["co_units"], _dispatch_units(actor, grievance))


class TransferDownForm(VersionForm):
    centre = forms.ModelChoiceField(label=_("下级综治中心"), queryset=Unit.objects.none())
    note = forms.CharField(label=_("交办意见"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Unit.objects.none()
        if grievance is not None:
            c = grievance.centre
            qs = Unit.objects.filter(kind=UnitKind.CENTRE, level__gt=c.level,
                                     region_code__startswith=c.region_prefix, is_active=True).order_by("region_code")
        self.fields["centre"].queryset = qs


class JointForm(VersionForm):
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(label=_("协同单位"), queryset=Unit.objects.none(),
                                              widget=forms.SelectMultiple(attrs={"size": 6}))
    reason = forms.CharField(label=_("启动原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)
        _set_units(self.fields["lead_unit"], self.fields["co_units"], _dispatch_units(actor, grievance))


class JointSessionForm(VersionForm):
    held_at = forms.DateTimeField(label=_("会商时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label=_("地点/方式"), max_length=100)
    participants = forms.CharField(label=_("参会单位和人员"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("会商纪要"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)


class CentreNoteForm(VersionForm):
    note = forms.CharField(label=_("意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)


class ReturnVisitForm(VersionForm):
    """回访: what the citizen said on the phone or at the door, recorded as their rating."""

    satisfaction = forms.ChoiceField(label=_("回访满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("回访情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("写明回访方式、对象和群众的意见；选择“不满意”将启动二次督办。"))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)


class CentreOptionalNoteForm(VersionForm):
    note = forms.CharField(label=_("意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor=None, grievance=None, **kwargs):
        super().__init__(*args, **kwargs)
