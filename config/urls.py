from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from grid import files
from grid import views as grid_views
from grid.forms import AdminLoginForm
from grievances import views as grievance_views

admin.site.site_header = "综治中心一站式服务平台 · 管理后台"
admin.site.site_title = "综治中心管理后台"
admin.site.index_title = "工作台"
admin.site.login_form = AdminLoginForm
# Staff work at 1366 px: the item page and the queue need the width the app sidebar would take
# (the breadcrumbs and the admin index remain the way around).
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", grid_views.home, name="home"),
    path("favicon.ico", grid_views.favicon),
    path("", include("ops.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("help/", grievance_views.help_contacts, name="help"),
    path("manifest.webmanifest", grid_views.manifest, name="manifest"),
    path("sw.js", grid_views.service_worker, name="service_worker"),
    path("offline/", grid_views.offline, name="offline"),
    path("admin/", admin.site.urls),
    path("", include("grid.urls")),
    path("notifications/", include("grid.notifications.urls")),
    path("appeals/", include("grievances.urls")),
    path("deadlines/", include("grievances.deadlines.urls")),  # deadlines
    path("mediation/", include("mediation.urls")),
    path("qa/", include("legalqa.lawyers.urls")),
    path("", include("legalqa.urls")),
    path("pufa/", include("pufa_media.urls")),
    path("analysis/", include("analysis.urls")),
    path("open311/v2/", include("api.urls")),
    path("assist/", include("assist.urls")),
]

if settings.DEBUG:
    # Development only, and only published media (PUBLIC_MEDIA_PREFIXES); in production the
    # web server serves those paths. Private files are never under MEDIA_URL.
    urlpatterns += [path(settings.MEDIA_URL.lstrip("/") + "<path:name>", files.public_media, name="public_media")]
