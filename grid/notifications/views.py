from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from grid.notifications import selectors, services

PAGE_SIZE = 20


@login_required
@require_GET
def message_list(request):
    page = Paginator(selectors.site_messages(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "query": "", "unread": selectors.unread_count(request.user),
        "base_template": "base_staff.html" if request.user.is_staff else "base.html",
    })


@login_required
@require_GET
def open_message(request, pk: int):
    """Mark one message read and follow its link (local links only)."""
    message = selectors.site_message(request.user, pk)
    if message is None:
        raise Http404
    services.mark_read(user=request.user, message_id=message.pk)
    target = message.link or reverse("notifications:list")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host(), urlparse(settings.SITE_URL).netloc}):
        target = reverse("notifications:list")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(user=request.user)
    return HttpResponseRedirect(reverse("notifications:list"))
