"""The project's admin site: Django's own, except that the list of apps and models every admin
page puts into its context (``available_apps``) is built only when a template reads it.

Building it asks each of the ~65 model admins for its module and model permissions (about a
quarter of the server time of the centre's queue, issue 18). Only the navigation sidebar
reads it, and the sidebar is switched off (config/urls.py); the admin index and the app
index build their own list. So with the sidebar off nothing is computed, and with it on the
list is computed as before, fresh on every request: nothing is cached, so a change of a
person's permissions shows on their next page.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject


class PlatformAdminSite(AdminSite):
    def each_context(self, request):
        # The same keys as AdminSite.each_context (tests/grid/test_admin_site.py checks it
        # against Django's), with the app list lazy.
        script_name = request.META["SCRIPT_NAME"]
        site_url = script_name if self.site_url == "/" and script_name else self.site_url
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": site_url,
            "has_permission": self.has_permission(request),
            "available_apps": SimpleLazyObject(lambda: self.get_app_list(request)),
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
        }


class PlatformAdminConfig(AdminConfig):
    """``django.contrib.admin`` with PlatformAdminSite as ``admin.site`` (INSTALLED_APPS)."""

    default_site = "grid.admin_site.PlatformAdminSite"
