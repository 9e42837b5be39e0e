from django.conf import settings
from django.utils.functional import SimpleLazyObject

from grid.navigation import links_for
from grid.workbench import is_staff_home


def site(request):
    user = getattr(request, "user", None)
    # Built when a template shows them: the admin pages never do, and a page that renders a
    # panel with the request (render_to_string) runs the context processors once more.
    links = SimpleLazyObject(lambda: links_for(user) if user is not None else ([], []))
    return {
        "SITE_NAME": "综治中心一站式服务平台",
        "LARGE_TEXT": request.COOKIES.get("large_text") == "1",
        "DEBUG": settings.DEBUG,
        "URGENT_LEGAL_LINE": settings.URGENT_LEGAL_LINE,
        "work_links": SimpleLazyObject(lambda: links[0]),
        "public_links": SimpleLazyObject(lambda: links[1]),
        # Staff keep one line of work links; the public services fold into a menu.
        "public_in_menu": user is not None and is_staff_home(user),
    }
