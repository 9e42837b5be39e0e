"""grid.form_renderer writes the HTML Django's widget and label templates write."""

import datetime
import decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from grid.form_renderer import WidgetRenderer, renderer

DJANGO = DjangoTemplates()
TEXTS = [None, "", "plain", 'a<b>&"\'c', mark_safe("<em>safe</em>"), 0, 12, 3.5, decimal.Decimal("1.50"),
         gettext_lazy("意见"), "多行\n文字", ("a", 1)]
ATTRS = [{}, {"rows": 2}, {"required": True, "disabled": False, "placeholder": 'say "hi" <now>'},
         {"size": 6, "class": "a b", "data-x": None, "maxlength": 100, "title": mark_safe("<i>t</i>")}]


def both(widget, name, value, attrs=None):
    return (widget.render(name, value, attrs=attrs, renderer=DJANGO),
            widget.render(name, value, attrs=attrs, renderer=renderer))


@pytest.mark.parametrize("widget_class", [
    forms.TextInput, forms.HiddenInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.PasswordInput,
    forms.DateInput, forms.DateTimeInput, forms.TimeInput, forms.Textarea, forms.CheckboxInput, forms.FileInput])
def test_inputs_and_textareas_are_djangos(widget_class):
    for attrs in ATTRS:
        widget = widget_class(attrs=attrs)
        for value in TEXTS:
            expected, fast = both(widget, "note", value, attrs={"id": "id_note"})
            assert fast == expected, (widget_class, attrs, value)
    when = datetime.datetime(2026, 11, 29, 18, 5, tzinfo=datetime.UTC)
    for widget in (forms.DateTimeInput(), forms.DateTimeInput(attrs={"type": "datetime-local"}), forms.TextInput()):
        assert both(widget, "held_at", when)[1] == both(widget, "held_at", when)[0]


CHOICES = [("", "---------"), (1, "住建局"), (2, '城管<局> & "队"'), ("3", gettext_lazy("意见")), (4, 17),
           (gettext_lazy("分组"), [(5, "甲"), (6, mark_safe("<b>乙</b>"))]), ("组二", [("7", "丙")])]


@pytest.mark.parametrize("widget_class", [forms.Select, forms.SelectMultiple, forms.NullBooleanSelect])
def test_selects_and_their_options_are_djangos(widget_class):
    for attrs in ATTRS:
        widget = widget_class(attrs=attrs) if widget_class is forms.NullBooleanSelect else widget_class(
            attrs=attrs, choices=CHOICES)
        values = (None, "", 1, "2", "unknown", True, False) + (
            () if widget_class is forms.NullBooleanSelect else (["1", 6], [7, "3"]))
        for value in values:
            expected, fast = both(widget, "unit", value, attrs={"id": "id_unit"})
            assert fast == expected, (widget_class, attrs, value)


def test_option_with_its_own_template_is_left_to_django():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Fancy(choices=[(1, "a"), (2, "b")])
    assert both(widget, "x", 1)[1] == both(widget, "x", 1)[0]


class Sample(forms.Form):
    default_renderer = renderer
    required_css_class = "required"
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label="意见", max_length=20, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="说明<b>")
    unit = forms.TypedChoiceField(label="单位?", choices=CHOICES, coerce=str, required=False)
    units = forms.MultipleChoiceField(label=gettext_lazy("协办单位"), choices=[(1, "a"), (2, "b")],
                                      widget=forms.CheckboxSelectMultiple)
    held_at = forms.DateTimeField(label="时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agree = forms.BooleanField(label="同意", required=False)


def _fields_html(form):
    return "".join(f"{f.label_tag()}{f}{f.errors}{f.label_tag(attrs={'class': 'x'}, label_suffix='：')}"
                   for f in form)


@pytest.mark.parametrize("data", [None, {"version": "3", "note": "x" * 30, "unit": "2", "units": ["9"],
                                         "held_at": "bad", "agree": "on"}])
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_whole_forms_with_labels_and_errors_are_djangos(data, auto_id):
    fast = Sample(data, auto_id=auto_id, initial={"version": 1, "note": "<已有>"})
    slow = Sample(data, auto_id=auto_id, initial={"version": 1, "note": "<已有>"}, renderer=DJANGO)
    assert _fields_html(fast) == _fields_html(slow)
    assert str(fast) == str(slow)


def test_an_overridden_template_leaves_every_widget_to_django(settings, tmp_path):
    (tmp_path / "django" / "forms" / "widgets").mkdir(parents=True)
    (tmp_path / "django" / "forms" / "widgets" / "attrs.html").write_text(" data-overridden")
    own = WidgetRenderer()
    own.engine.engine.dirs.insert(0, str(tmp_path))
    assert 'data-overridden' in forms.TextInput().render("x", "y", renderer=own)


def test_the_plain_widgets_do_not_reach_the_template_engine(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("rendered by a template")

    monkeypatch.setattr(DjangoTemplates, "render", refuse)
    form = Sample(initial={"note": "a"})
    for name in ("version", "note", "unit", "held_at", "agree"):
        assert str(form[name]) and form[name].label_tag()
