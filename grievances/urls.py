from django.urls import path
from django.views.generic import RedirectView

from grievances import views

app_name = "grievances"

urlpatterns = [
    path("new/", views.submit, name="submit"),
    path("patrol/", views.patrol, name="patrol"),
    path("mine/", views.mine, name="mine"),
    path("lookup/", views.lookup, name="lookup"),
    path("uploads/", views.stage_upload, name="stage_upload"),
    path("uploads/<int:pk>/discard/", views.discard_upload, name="discard_upload"),
    path("cases/", views.cases, name="cases"),
    # the SMS login moved to grid (accounts); old links keep working
    path("login/sms/", RedirectView.as_view(pattern_name="grid:sms_login", query_string=True, permanent=True)),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/open/", views.open_item, name="open"),
    path("<int:pk>/done/", views.confirmation, name="confirmation"),
    path("<int:pk>/supplement/", views.supplement, name="supplement"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("files/<int:pk>/thumb/", views.attachment, {"thumb": True}, name="attachment_thumb"),
    path("work/", views.inbox, {"scope": "unit"}, name="inbox"),
    path("work/mine/", views.inbox, {"scope": "mine"}, name="inbox_mine"),
    path("work/returns/", views.returns, name="returns"),
    path("work/returns/<int:pk>/", views.decide_return, name="decide_return"),
    path("work/<int:pk>/", views.work_item, name="work_item"),
    path("work/<int:pk>/<slug:action>/", views.work_action, name="work_action"),
]
