from django.conf import settings

from grid.navigation import links_for
from grid.workbench import is_staff_home


def site(request):
    user = getattr(request, "user", None)
    work_links, public_links = links_for(user) if user is not None else ([], [])
    return {
        "SITE_NAME": "综治中心一站式服务平台",
        "LARGE_TEXT": request.COOKIES.get("large_text") == "1",
        "DEBUG": settings.DEBUG,
        "URGENT_LEGAL_LINE": settings.URGENT_LEGAL_LINE,
        "work_links": work_links,
        "public_links": public_links,
        # Staff keep one line of work links; the public services fold into a menu.
        "public_in_menu": user is not None and is_staff_home(user),
    }
