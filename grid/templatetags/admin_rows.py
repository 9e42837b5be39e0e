"""``{% result_list cl %}`` for the busy admin lists (the centre's queue, 督办): the same HTML
as Django's tag, with the per-row work Django repeats for every cell done once per column.

Django's ``items_for_result`` looks every cell's field up in the model's meta again
(``lookup_field``), reverses the change URL and merges the preserved filters into it for
each link, and compares lazily-translated values with the empty values (each comparison
translates); on a page of 50 rows that was about 45 % of the queue's server time (issue 18).
Here a column plan is made once per list (field or display method, CSS classes, whether it
links, its empty value), the change URL once with a marker for the primary key, and each row
only calls its display methods. The action checkbox of each row is written as the HTML
Django's ``CheckboxInput`` renders (Django renders a form widget template per row: about
1.3 ms a row under the profiler, a third of the 督办 page's time with 28 rows). Lists with editable columns, popups (``_popup``) or
non-integer keys use Django's own code. tests/grid/test_admin_rows.py renders lists both
ways and compares the HTML.
"""

from __future__ import annotations

import datetime
import operator

from django import template
from django.contrib.admin import ModelAdmin, helpers
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import _get_non_gfk_field, display_for_field, display_for_value, lookup_field
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

_MARKER = "__pk__"
_EMPTY = (None, "", [], (), {})


class _Column:
    __slots__ = ("default_empty", "name", "classes", "link", "field", "attr", "getter", "empty", "boolean", "fallback")


def _plan(cl) -> list[_Column]:
    from django.contrib.admin.utils import FieldIsAForeignKeyColumnName

    model_admin = cl.model_admin
    empty_default = model_admin.get_empty_value_display()
    plan = []
    first = True
    for index, name in enumerate(cl.list_display):
        col = _Column()
        col.name = name
        col.classes = ["field-%s" % admin_list._coerce_field_name(name, index)]
        col.link = (cl.list_display_links is not None
                    and ((first and not cl.list_display_links) or name in cl.list_display_links))
        if col.link:
            first = False
        col.field = col.attr = col.getter = None
        col.fallback = False
        col.empty = col.default_empty = empty_default
        col.boolean = False
        try:
            col.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if name == "action_checkbox":
                col.classes = ["action-checkbox"]
            if callable(name):
                col.attr = col.getter = name
            elif hasattr(model_admin, name) and name != "__str__":
                col.attr = col.getter = getattr(model_admin, name)
                if name == "action_checkbox" and type(model_admin).action_checkbox is ModelAdmin.action_checkbox:
                    col.getter = _action_checkbox(gettext("Select this object for an action - {}"))
            else:
                col.fallback = True  # a model attribute or a relation path: Django's lookup per row
        else:
            if col.field.auto_created:  # shown like a computed value, as Django does
                col.field = None
                col.getter = operator.attrgetter(name)
        if col.attr is not None:
            col.empty = getattr(col.attr, "empty_value_display", empty_default)
            col.boolean = getattr(col.attr, "boolean", False)
        plan.append(col)
    return plan


def _action_checkbox(label: str):
    """ModelAdmin.action_checkbox without a widget template per row: the same HTML as
    CheckboxInput(attrs).render(ACTION_CHECKBOX_NAME, str(obj.pk)) with Django's input and
    attrs templates (the label, translated once per list, is formatted per row as Django does)."""
    name = helpers.ACTION_CHECKBOX_NAME

    def checkbox(obj):
        return SafeString(f'<input type="checkbox" name="{name}" value="{escape(str(obj.pk))}" '
                          f'class="action-select" aria-label="{format_html(label, str(obj))}">')

    return checkbox


def _cell(col: _Column, result):
    """(html of the value, extra CSS classes) exactly as items_for_result computes them."""
    if col.fallback:
        return _cell_by_lookup(col, result)
    extra = ()
    if col.field is None:
        try:
            value = col.getter(result)
        except ObjectDoesNotExist:
            return col.default_empty, ()
        if not col.boolean:
            # Text as display_for_value shows it, without comparing a lazy translation with
            # each empty value (every comparison translates it again).
            if isinstance(value, Promise):
                value = str(value)
                return (col.empty if value == "" else value), ()
            if isinstance(value, str):  # a SafeString stays safe
                return (col.empty if value.strip() == "" else value), ()
        elif isinstance(value, str) and value.strip() == "":
            value = ""
        if isinstance(value, (datetime.date, datetime.time)):
            extra = ("nowrap",)
        return display_for_value(value, col.empty, col.boolean), extra
    f = col.field
    try:
        if isinstance(f.remote_field, models.ManyToOneRel):
            related = getattr(result, f.name)
            shown = col.empty if related is None else related
        else:
            value = getattr(result, col.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            shown = display_for_field(value, f, col.empty, avoid_link=col.link)
    except ObjectDoesNotExist:
        return col.empty, ()
    if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
        extra = ("nowrap",)
    return shown, extra


def _cell_by_lookup(col: _Column, result):
    try:
        f, attr, value = lookup_field(col.name, result, col.attr or None)
    except ObjectDoesNotExist:
        return col.empty, ()
    empty = getattr(attr, "empty_value_display", col.empty)
    if isinstance(value, str) and value.strip() == "":
        value = ""
    boolean = getattr(attr, "boolean", False)
    if isinstance(attr, property) and hasattr(attr, "fget"):
        boolean = getattr(attr.fget, "boolean", False)
    extra = ("nowrap",) if isinstance(value, (datetime.date, datetime.time)) else ()
    return display_for_value(value, empty, boolean), extra


def _link_template(cl) -> tuple[str, str] | None:
    """The change URL around the primary key, preserved filters included: (before, after)."""
    try:
        url = reverse("admin:%s_%s_change" % (cl.opts.app_label, cl.opts.model_name), args=(_MARKER,),
                      current_app=cl.model_admin.admin_site.name)
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    path, sep, query = url.partition("?")
    if path.count(_MARKER) != 1:
        return None
    before, after = path.split(_MARKER)
    return before, after + sep + query


def fast_rows(cl):
    plan = _plan(cl)
    link = _link_template(cl)
    pk_name = cl.lookup_opts.pk.attname
    rows = []
    for result in cl.result_list:
        pk = getattr(result, pk_name)
        if link is None:
            href = None
        elif type(pk) is int:
            href = conditional_escape(f"{link[0]}{pk}{link[1]}")
        else:
            href = conditional_escape(add_preserved_filters(
                {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, cl.url_for_result(result)))
        cells = []
        table_tag = None
        for col in plan:
            shown, extra = _cell(col, result)
            classes = " ".join((*col.classes, *extra))
            if col.link:
                tag = "th" if table_tag is None else "td"
                table_tag = tag
                inner = f'<a href="{href}">{conditional_escape(shown)}</a>' if href is not None \
                    else conditional_escape(shown)
                cells.append(SafeString(f'<{tag} class="{classes}">{inner}</{tag}>'))
            else:
                cells.append(SafeString(f'<td class="{classes}">{conditional_escape(shown)}</td>'))
        rows.append(admin_list.ResultList(None, cells))
    return rows


def result_list(cl):
    if cl.formset or cl.is_popup or cl.to_field:
        context = admin_list.result_list(cl)
        context["rows_html"] = None  # the template then renders Django's rows itself
        return context
    headers = list(admin_list.result_headers(cl))
    rows = fast_rows(cl)
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows,
        # What Django's template prints for each row (no form: lists with forms are Django's).
        "rows_html": [SafeString("\n<tr>" + "".join(row) + "</tr>\n") for row in rows],
    }


@register.tag(name="result_list")
def result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=result_list, template_name="change_list_results_fast.html",
                              takes_context=False)

