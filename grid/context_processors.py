from django.conf import settings


def site(request):
    return {
        "SITE_NAME": "综治中心一站式服务平台",
        "LARGE_TEXT": request.COOKIES.get("large_text") == "1",
        "DEBUG": settings.DEBUG,
    }
