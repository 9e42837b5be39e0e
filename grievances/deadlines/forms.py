from django import forms
from django.utils.translation import gettext_lazy as _

from grievances.deadlines.models import PauseReason


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("暂停原因"), choices=PauseReason.choices)
    note = forms.CharField(label=_("说明"), max_length=200,
                           help_text=_("例如：已委托某鉴定机构进行伤情鉴定，预计10个工作日。"))


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=90)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}))
    parties_agreed = forms.BooleanField(label=_("调解员与双方当事人已约定延长期限"), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=[("approve", _("同意延期")), ("refuse", _("不同意"))],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)
