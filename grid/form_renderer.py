"""A form renderer that writes Django's plain widgets and labels in Python (issue 18, goal 2).

Django renders each widget, each ``<option>`` of a select and each label through a template
of ``django/forms/templates`` (an include per option, a loop over the attributes in each):
about 100 Python calls an option and 700 a text field. On the centre's item page the action
forms took 10 % of the request with seven fields, and a dispatch form of a city's or the
province's units (two selects of every department, twice) most of it.

``WidgetRenderer`` writes the same HTML as these templates for the widgets whose template is
one of ``_WRITERS`` (text-like inputs, hidden, textarea, select and its options, the label)
and leaves every other template (radio and checkbox lists, error lists, whole forms) to
Django's engine, which it is. The widgets still build their context as Django does
(``get_context``: attributes, value formatting, selected options); only the template is
replaced. If a project or app overrides one of these templates, the engine finds that file
first and every template is left to it. tests/grid/test_form_renderer.py renders widgets
both ways and compares the HTML.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

_DJANGO_TEMPLATES = Path(django.forms.__file__).resolve().parent / "templates"


def _out(value) -> str:
    """``{{ value }}`` in an autoescaping template (django.template.base.render_value_in_context)."""
    if type(value) is str:
        return escape(value)
    value = localize(template_localtime(value))
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def _s(value) -> str:
    """``{{ value|stringformat:'s' }}`` (the filter keeps a safe string safe)."""
    if type(value) is str:
        return escape(value)
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html and django/forms/attrs.html."""
    if not attrs:
        return ""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(" " + _out(name) if value is True else f' {_out(name)}="{_s(value)}"')
    return "".join(out)


def _input(context) -> str:
    w = context["widget"]
    value = w["value"]
    shown = f' value="{_s(value)}"' if value != None else ""  # noqa: E711 — the template's "!= None"
    return f'<input type="{_out(w["type"])}" name="{_out(w["name"])}"{shown}{_attrs(w["attrs"])}>\n'


def _textarea(context) -> str:
    w = context["widget"]
    value = w["value"]
    return f'<textarea name="{_out(w["name"])}"{_attrs(w["attrs"])}>\n{_out(value) if value else ""}</textarea>\n'


_OPTION = "django/forms/widgets/select_option.html"


def _select(context) -> str:
    w = context["widget"]
    out = [f'<select name="{_out(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, group_choices, _index in w["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                raise _Unknown
            out.append(f'\n  <option value="{_s(option["value"])}"{_attrs(option["attrs"])}>'
                       f'{_out(option["label"])}</option>\n')
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


def _label(context) -> str:
    if context["use_tag"]:
        tag = _out(context["tag"])
        return f'<{tag}{_attrs(context["attrs"])}>{_out(context["label"])}</{tag}>\n'
    return _out(context["label"]) + "\n"


class _Unknown(Exception):
    """A widget this renderer does not write (an option with its own template)."""


_WRITERS = {
    **{f"django/forms/widgets/{name}.html": _input for name in (
        "text", "hidden", "number", "email", "url", "password", "date", "datetime", "time", "search", "tel",
        "color", "checkbox", "file", "input")},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/label.html": _label,
}
# The templates the writers stand for, with the ones they include.
_COVERED = (*_WRITERS, _OPTION, "django/forms/widgets/attrs.html", "django/forms/attrs.html")


class WidgetRenderer(DjangoTemplates):
    """Django's template renderer, with the plain widgets written in Python."""

    def __init__(self):
        self._own_templates = None

    def _templates_are_djangos(self) -> bool:
        if self._own_templates is None:
            self._own_templates = all(
                Path(self.get_template(name).origin.name).resolve().is_relative_to(_DJANGO_TEMPLATES)
                for name in _COVERED)
        return self._own_templates

    def render(self, template_name, context, request=None):
        write = _WRITERS.get(template_name)
        if write is not None and request is None and self._templates_are_djangos():
            try:
                return write(context).strip()
            except _Unknown:
                pass
        return super().render(template_name, context, request=request)


renderer = WidgetRenderer()
