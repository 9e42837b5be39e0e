"""Forms of the law library (the lawyer Q&A part keeps its own forms module)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LawCategory


class LawTextForm(forms.Form):
    title = forms.CharField(label=_("法律名称"), max_length=200)
    category = forms.ChoiceField(label=_("法律门类"), choices=LawCategory.choices, initial=LawCategory.LOCAL_REGULATION)
    doc_type = forms.CharField(label=_("文件类型"), max_length=20, required=False, help_text=_("如 地方性法规、行政法规、法律"))
    issuing_body = forms.CharField(label=_("制定机关"), max_length=100, required=False)
    promulgated_on = forms.DateField(label=_("公布日期"), required=False)
    effective_on = forms.DateField(label=_("施行日期"), required=False)
    aliases = forms.CharField(label=_("别名"), max_length=200, required=False, help_text=_("空格分隔"))
    region_code = forms.CharField(label=_("适用地区代码"), max_length=12, required=False)
    text = forms.CharField(label=_("全文"), widget=forms.Textarea(attrs={"rows": 20}), required=False,
                           help_text=_("粘贴全文：编/章/节标题各占一行，每条以“第X条”开头"))
    upload = forms.FileField(label=_("或上传文本文件（UTF-8 .txt）"), required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload:
            raw = upload.read()
            try:
                data["text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    data["text"] = raw.decode("gb18030")
                except UnicodeDecodeError:
                    raise forms.ValidationError(_("无法识别文件编码，请另存为 UTF-8 文本")) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("请粘贴全文或上传文本文件"))
        return data
