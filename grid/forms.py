from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grid.lockout import LockoutMessageMixin
from grid.models import MOBILE_RE, Region, RegionLevel


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    username = forms.CharField(label=_("手机号码或用户名"), max_length=64)
    error_messages = {
        "invalid_login": _("手机号码/用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """/admin/login/: the same lockout message as the site's own login page."""


class SmsRequestForm(forms.Form):
    phone = forms.CharField(label=_("手机号码"), max_length=11,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not MOBILE_RE.match(phone):
            raise ValidationError(_("请输入有效的11位手机号码。"))
        return phone


class SmsLoginForm(SmsRequestForm):
    code = forms.CharField(label=_("短信验证码"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class SecondFactorForm(forms.Form):
    token = forms.CharField(label=_("动态验证码"), max_length=16,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                          "autofocus": True}))


class DirectorySearchForm(forms.Form):
    county = forms.ModelChoiceField(
        label=_("县/区"), queryset=Region.objects.filter(level=RegionLevel.COUNTY), required=False,
        empty_label=_("全部县/区"),
    )
    township = forms.ModelChoiceField(
        label=_("乡镇/街道"), queryset=Region.objects.filter(level=RegionLevel.TOWNSHIP), required=False,
        empty_label=_("全部乡镇/街道"),
    )
    q = forms.CharField(label=_("关键词"), max_length=50, required=False)

    def clean(self):
        data = super().clean()
        county, township = data.get("county"), data.get("township")
        if county and township and not township.code.startswith(county.prefix):
            raise forms.ValidationError(_("所选乡镇/街道不属于所选县/区。"))
        return data

    @property
    def region(self):
        if not self.is_valid():
            return None
        return self.cleaned_data.get("township") or self.cleaned_data.get("county")


class CSVImportForm(forms.Form):
    file = forms.FileField(label=_("CSV文件（UTF-8）"))
