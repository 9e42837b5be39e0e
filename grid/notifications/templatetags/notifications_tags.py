from django import template

from grid.notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_bell_link.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"count": selectors.unread_count(user), "user": user}
