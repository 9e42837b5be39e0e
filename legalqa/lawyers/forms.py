from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grid.models import Region, RegionLevel
from grid.uploads import MultiUploadField, UploadField
from legalqa.fields_of_law import active_fields
from legalqa.lawyers.models import (
    Commission,
    DocType,
    LawyerProfile,
    ServiceApplication,
    ServiceKind,
)


class MultipleFileField(MultiUploadField):
    """Photos and voice of a question or a reply, checked by the upload gate (policy "qa")."""

    def __init__(self, **kwargs):
        super().__init__(policy="qa", **kwargs)


def region_choices():
    return Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])


class AskForm(forms.Form):
    field = forms.ModelChoiceField(active_fields(), label=_("咨询领域"), to_field_name="code")
    region = forms.ModelChoiceField(region_choices(), label=_("所在地区"))
    # Both may stay empty when a voice note is attached (按住说话).
    title = forms.CharField(label=_("标题"), max_length=100, required=False)
    body = forms.CharField(label=_("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("不方便打字？可以在下面“按住说话”录一段语音（最长3分钟），录了语音这里可以不填。"))
    files = MultipleFileField(label=_("图片或语音（可选）"),
                              help_text=_("图片不超过5MB，语音不超过10MB，最多6个。"))
    voice = UploadField(policy="voice", required=False, label=_("语音"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices()

    def clean(self):
        data = super().clean()
        if data.get("voice"):
            data["files"] = list(data.get("files") or []) + [data["voice"]]
            return data
        if not (data.get("title") or "").strip():
            self.add_error("title", _("请填写标题，或按住“按住说话”录一段语音。"))
        if not (data.get("body") or "").strip():
            self.add_error("body", _("请描述您的问题，或按住“按住说话”录一段语音。"))
        return data


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("解答"), widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("引用法律请写全称和条号，如《中华人民共和国民法典》第一千零七十九条。"))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("图片或语音"))
    voice = UploadField(policy="voice", required=False, label=_("语音"))

    def clean(self):
        data = super().clean()
        if data.get("voice"):
            data["files"] = list(data.get("files") or []) + [data["voice"]]
        return data


STARS = [(i, "★" * i) for i in range(5, 0, -1)]


class CloseForm(forms.Form):
    """Starts empty: a citizen who just taps submit must not give a perfect score, which
    decides the lawyer's pay and the first-resolution figure."""

    professional = forms.TypedChoiceField(label=_("专业度"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    speed = forms.TypedChoiceField(label=_("响应速度"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    useful = forms.TypedChoiceField(label=_("解决方案实用性"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    resolved = forms.TypedChoiceField(label=_("问题是否已解决"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                      choices=[("1", _("已解决")), ("0", _("未解决"))])
    suggestion = forms.CharField(label=_("改进建议"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LawyerFilterForm(forms.Form):
    field = forms.ModelChoiceField(active_fields(), label=_("领域"), required=False,
                                   to_field_name="code")
    region = forms.ModelChoiceField(Region.objects.filter(level__lte=RegionLevel.COUNTY), label=_("地区"),
                                    required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(level__lte=RegionLevel.COUNTY)


class LawyerProfileForm(forms.ModelForm):
    class Meta:
        model = LawyerProfile
        fields = ["name", "licence_no", "firm", "fields", "years", "languages", "photo", "phone", "bio", "region",
                  "duty_days", "duty_start", "duty_end"]
        widgets = {"fields": forms.CheckboxSelectMultiple, "duty_start": forms.TimeInput(attrs={"type": "time"}),
                   "duty_end": forms.TimeInput(attrs={"type": "time"})}

    photo = UploadField(policy="lawyer_photo", model_file=True, required=False, label=_("照片"),
                        help_text=_("JPG 或 PNG，不超过2MB。"))


class CommissionForm(forms.ModelForm):
    class Meta:
        model = Commission
        fields = ["field", "region", "matter", "phone"]
        widgets = {"matter": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices()
        self.fields["field"].queryset = active_fields()


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("评价"), choices=STARS, coerce=int)
    comment = forms.CharField(label=_("评价意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CallbackForm(forms.Form):
    phone = forms.RegexField(regex=r"^1[3-9]\d{9}$", label=_("回拨手机号"),
                             error_messages={"invalid": _("请输入有效的11位手机号码。")})
    note = forms.CharField(label=_("简要说明"), max_length=200, required=False)


class TemplateSearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False)
    field = forms.ModelChoiceField(active_fields(), label=_("领域"), required=False,
                                   to_field_name="code")
    doc_type = forms.ChoiceField(label=_("文书类型"), required=False,
                                 choices=[("", _("全部"))] + list(DocType.choices))


class ServiceForm(forms.ModelForm):
    FIELDS_BY_KIND = {
        ServiceKind.NOTARISATION: ["office", "matter", "preferred_slot"],
        ServiceKind.MEDIATION: ["other_party", "matter"],
        ServiceKind.RECONSIDERATION: ["respondent_agency", "contested_decision", "request"],
    }

    class Meta:
        model = ServiceApplication
        fields = ["contact_name", "contact_phone", "region", "office", "matter", "preferred_slot", "other_party",
                  "respondent_agency", "contested_decision", "request"]  # documents: the gate's field below
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in ("matter", "contested_decision", "request")}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["region"].queryset = region_choices()
        keep = {"contact_name", "contact_phone", "region", "documents", *self.FIELDS_BY_KIND[kind]}
        if kind == ServiceKind.MEDIATION:
            keep.add("voice")
            self.fields["matter"].help_text = _("不方便打字？可以在下面“按住说话”录一段语音（最长3分钟），录了语音这里可以不填。")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
            elif name in self.FIELDS_BY_KIND[kind]:
                self.fields[name].required = True

    documents = UploadField(policy="application", required=False, label=_("材料"),
                            help_text=_("照片、PDF 或 Word 文档，不超过10MB。"))
    # 人民调解申请 only: the dispute told by voice (按住说话) instead of typed.
    voice = UploadField(policy="voice", required=False, label=_("语音"))

    def clean(self):
        data = super().clean()
        if self.kind == ServiceKind.MEDIATION and data.get("voice") and "matter" in self.errors:
            del self.errors["matter"]
            data["matter"] = ""
        return data


class ApproveForm(forms.Form):
    appointment_at = forms.DateTimeField(label=_("预约办理时间"),
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(label=_("意见"), required=False)


class MissingForm(forms.Form):
    missing = forms.CharField(label=_("需补齐的材料（每行一项）"), widget=forms.Textarea(attrs={"rows": 3}))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("不予受理的理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ResubmitForm(forms.Form):
    documents = UploadField(policy="application", label=_("补充材料"), required=False,
                            help_text=_("照片、PDF 或 Word 文档，不超过10MB。"))
    note = forms.CharField(label=_("补充说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PeriodForm(forms.Form):
    period = forms.RegexField(regex=r"^\d{4}-\d{2}$", label=_("结算月份"), required=False)
