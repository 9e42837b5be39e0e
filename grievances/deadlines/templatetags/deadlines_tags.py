from django import template

from grievances.deadlines import selectors

register = template.Library()


@register.inclusion_tag("deadlines/_clock_panel.html", takes_context=True)
def clock_panel(context, grievance):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {"clock": selectors.clock_view(grievance, user), "grievance": grievance,
            "csrf_token": context.get("csrf_token"), "here": request.get_full_path() if request else ""}
