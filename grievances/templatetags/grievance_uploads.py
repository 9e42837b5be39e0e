from django import template

from grievances import selectors

register = template.Library()


@register.inclusion_tag("grievances/_staged.html", takes_context=True)
def staged_uploads(context, form=None):
    """The thumbnails of files uploaded ahead of ``form`` (kept when the form is re-shown
    after a refusal), with the upload address grievances/forms.js posts each file to."""
    request = context.get("request")
    user = getattr(request, "user", None)
    ids = []
    if form is not None and form.is_bound:
        getlist = getattr(form.data, "getlist", None)
        ids = getlist("staged") if getlist else []
    return {"items": [selectors.staged_item(st) for st in selectors.staged_uploads(user, ids)]}
