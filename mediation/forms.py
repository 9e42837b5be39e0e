from django import forms
from django.utils.translation import gettext_lazy as _

from grid.models import Region, Unit, UnitKind, User, mobile_validator
from grid.uploads import UploadField
from mediation.models import LegalAidCaseType, PartySide, RiskStatus, SessionMode

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProfileForm(forms.Form):
    title = forms.CharField(label=_("身份"), max_length=64, required=False,
                            help_text=_("例如：乡贤、退休干部、法律工作者"))
    expertise = forms.CharField(label=_("擅长领域"), max_length=200, required=False,
                                help_text=_("用顿号分隔，例如：婚姻家庭、邻里关系"))
    languages = forms.CharField(label=_("调解语言"), max_length=100, initial="普通话",
                                help_text=_("例如：普通话、彝语"))
    years = forms.IntegerField(label=_("从事调解年限"), min_value=0, max_value=80, initial=0)
    bio = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    is_public = forms.BooleanField(label=_("在调解员名录中公开"), required=False, initial=True)


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=50)
    language = forms.CharField(label=_("调解语言"), required=False, max_length=20)


class PartyForm(forms.Form):
    side = forms.ChoiceField(label=_("当事人类型"), choices=PartySide.choices)
    name = forms.CharField(label=_("姓名/名称"), max_length=64)
    phone = forms.CharField(label=_("联系电话"), max_length=11, required=False, validators=[mobile_validator])
    address = forms.CharField(label=_("住址"), max_length=200, required=False)


class MediatorsForm(forms.Form):
    mediators = forms.ModelMultipleChoiceField(label=_("调解员"), queryset=User.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if queryset is not None:
            self.fields["mediators"].queryset = queryset


class SessionForm(forms.Form):
    mode = forms.ChoiceField(label=_("方式"), choices=SessionMode.choices, widget=forms.RadioSelect,
                             initial=SessionMode.IN_PERSON)
    scheduled_at = forms.DateTimeField(label=_("调解时间"), widget=DATETIME,
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label=_("地点（现场调解）"), max_length=200, required=False)


class SessionRecordForm(forms.Form):
    present_parties = forms.MultipleChoiceField(label=_("到场当事人"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    participants = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.CharField(label=_("调解记录"), widget=forms.Textarea(attrs={"rows": 8}))
    next_steps = forms.CharField(label=_("下一步安排"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present_parties"].choices = [(str(p.pk), str(p)) for p in parties]


class AgreementForm(forms.Form):
    facts = forms.CharField(label=_("纠纷主要事实、争议事项"), widget=forms.Textarea(attrs={"rows": 4}))
    terms = forms.CharField(label=_("协议内容"), widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("逐条写明各方的权利义务，例如：一、……；二、……"))
    performance_deadline = forms.DateField(label=_("履行期限"), widget=DATE)
    performance_method = forms.CharField(label=_("履行方式"), max_length=200, required=False)
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE, required=False)


class FailureForm(forms.Form):
    reason = forms.CharField(label=_("调解不成的原因"), widget=forms.Textarea(attrs={"rows": 2}))
    guidance = forms.CharField(label=_("告知当事人的后续途径"), widget=forms.Textarea(attrs={"rows": 2}),
                               initial=_("可依法申请劳动/人事争议仲裁，或向人民法院提起诉讼；如需帮助可申请法律援助。"))


class TerminationForm(forms.Form):
    reason = forms.CharField(label=_("终止理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmationForm(forms.Form):
    court = forms.CharField(label=_("受理法院"), max_length=100)
    applied_on = forms.DateField(label=_("申请日期"), widget=DATE, required=False)
    documents = forms.CharField(label=_("提交材料"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                initial=_("司法确认申请书、调解协议书、双方身份证明"))
    document_file = UploadField(policy="mediation_material", label=_("材料附件"), required=False,
                                help_text=_("图片、PDF、Word 或 Excel，不超过10MB。"))


class ConfirmationDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("法院裁定"), choices=[("confirmed", _("确认有效")), ("refused", _("不予确认"))])
    decided_on = forms.DateField(label=_("裁定日期"), widget=DATE, required=False)
    ruling_no = forms.CharField(label=_("裁定书文号"), max_length=64, required=False)
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReturnVisitForm(forms.Form):
    performed = forms.TypedChoiceField(label=_("协议是否已履行"), choices=[("1", _("已履行")), ("0", _("未履行"))],
                                       coerce=lambda v: v == "1", widget=forms.RadioSelect)
    satisfied = forms.TypedChoiceField(label=_("当事人是否满意"), choices=[("", _("未表态")), ("1", _("满意")),
                                                                          ("0", _("不满意"))],
                                       coerce=lambda v: v == "1", empty_value=None, required=False)
    note = forms.CharField(label=_("回访记录"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RiskForm(forms.Form):
    title = forms.CharField(label=_("风险名称"), max_length=100)
    description = forms.CharField(label=_("风险描述"), widget=forms.Textarea(attrs={"rows": 4}))
    region = forms.ModelChoiceField(label=_("所在村/社区或乡镇"), queryset=Region.objects.none())
    address = forms.CharField(label=_("具体地点"), max_length=200, required=False)
    category = forms.ModelChoiceField(label=_("类别"), queryset=None)
    level = forms.ChoiceField(label=_("风险等级"))
    people_involved = forms.IntegerField(label=_("涉及人数"), min_value=1, initial=1)
    responsible_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())

    def __init__(self, *args, regions=None, units=None, **kwargs):
        from grievances.models import Category, CategoryGroup, RiskLevel

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(group=CategoryGroup.DISPUTE, is_active=True)
        self.fields["level"].choices = RiskLevel.choices
        if regions is not None:
            self.fields["region"].queryset = regions
        if units is not None:
            self.fields["responsible_unit"].queryset = units


class RiskPlanForm(forms.Form):
    measures = forms.CharField(label=_("化解措施"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_person = forms.CharField(label=_("责任人"), max_length=64)
    target_date = forms.DateField(label=_("化解时限"), widget=DATE)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class RiskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部"))] + list(RiskStatus.choices), required=False)
    q = forms.CharField(label=_("关键词"), max_length=50, required=False)


class ConvertRiskForm(forms.Form):
    target = forms.ChoiceField(label=_("转为"), choices=[("grievance", _("诉求件（由综治中心受理分流）")),
                                                       ("mediation", _("调解案件（直接交调解组织）"))],
                               widget=forms.RadioSelect, initial="grievance")
    contact_name = forms.CharField(label=_("当事人联系人"), max_length=64)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=11, validators=[mobile_validator])
    organisation = forms.ModelChoiceField(label=_("调解组织"), queryset=Unit.objects.none(), required=False)
    severity = forms.ChoiceField(label=_("纠纷等级"), required=False)

    def __init__(self, *args, organisations=None, **kwargs):
        from grievances.models import Severity

        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [("", "—")] + list(Severity.choices)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations

    def clean(self):
        data = super().clean()
        if data.get("target") == "mediation":
            if not data.get("organisation"):
                self.add_error("organisation", _("转为调解案件时请选择调解组织。"))
            if not data.get("severity"):
                self.add_error("severity", _("转为调解案件时请确定纠纷等级。"))
        return data


class LegalAidForm(forms.Form):
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Region.objects.none())
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=64)
    id_number = forms.RegexField(label=_("身份证号"), regex=r"^\d{17}[\dXx]$",
                                 error_messages={"invalid": _("请输入18位身份证号码。")})
    phone = forms.CharField(label=_("联系电话"), max_length=11, validators=[mobile_validator])
    address = forms.CharField(label=_("住址"), max_length=200)
    case_type = forms.ChoiceField(label=_("案件类型"), choices=LegalAidCaseType.choices)
    opponent = forms.CharField(label=_("对方当事人"), max_length=100, required=False)
    description = forms.CharField(label=_("案情和援助请求"), widget=forms.Textarea(attrs={"rows": 4}))
    monthly_income = forms.DecimalField(label=_("家庭人均月收入（元）"), min_value=0, max_digits=10, decimal_places=2,
                                        required=False)
    hardship = forms.CharField(
        label=_("经济困难声明"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如实说明家庭人口、收入和困难情况；虚假声明将被撤销援助并承担相应责任。"),
    )
    document = UploadField(policy="legal_aid", label=_("证明材料（身份证、困难证明等）"), required=False,
                           help_text=_("照片、PDF 或 Word 文档，不超过10MB。"))
    document_name = forms.CharField(label=_("材料名称"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        from grid.models import RegionLevel

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(level__gte=RegionLevel.COUNTY).order_by("code")


class LegalAidDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审查结论"), choices=[("approve", _("准予援助并指派律师")),
                                                             ("refuse", _("不予援助"))], widget=forms.RadioSelect)
    lawyer = forms.ModelChoiceField(label=_("指派律师"), queryset=User.objects.none(), required=False)
    reason = forms.CharField(label=_("说明/不予援助理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, lawyers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lawyers is not None:
            self.fields["lawyer"].queryset = lawyers


def mediation_orgs_for(user, place_code: str = ""):
    """Mediation organisations ``user`` may hand a case to; with ``place_code`` (a risk's
    region) only those serving that place (属地, grid.permissions.serves_place)."""
    from grid import permissions

    return permissions.visible_units(user).filter(permissions.place_q(place_code), kind=UnitKind.MEDIATION,
                                                  is_active=True)
