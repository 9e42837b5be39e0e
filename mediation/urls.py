from django.urls import path

from mediation import room_views, views

app_name = "mediation"

urlpatterns = [
    path("", views.home, name="home"),
    path("mediators/", views.mediators, name="mediators"),
    path("my/", views.my_cases, name="my_cases"),
    path("my/<int:pk>/", views.my_case, name="my_case"),
    path("my/<int:pk>/agreement.pdf", views.my_agreement_pdf, name="my_agreement_pdf"),
    path("legal-aid/apply/", views.legal_aid_apply, name="legal_aid_apply"),
    # mediators and centre staff
    path("work/", views.inbox, name="inbox"),
    path("work/profile/", views.profile, name="profile"),
    path("work/take/<int:grievance_pk>/", views.take, name="take"),
    path("work/<int:pk>/", views.case_detail, name="case"),
    path("work/<int:pk>/parties/", views.add_party, name="add_party"),
    path("work/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("work/<int:pk>/mediators/", views.assign, name="assign"),
    path("work/<int:pk>/sessions/new/", views.new_session, name="new_session"),
    path("work/<int:pk>/agreement/", views.agreement, name="agreement"),
    path("work/<int:pk>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("work/<int:pk>/fail/", views.fail, name="fail"),
    path("work/<int:pk>/terminate/", views.terminate, name="terminate"),
    path("work/<int:pk>/confirmation/", views.apply_confirmation, name="apply_confirmation"),
    path("work/sessions/<int:pk>/", views.record_session, name="record_session"),
    path("work/sessions/<int:pk>/invite/", views.invite, name="invite"),
    path("work/confirmations/<int:pk>/", views.decide_confirmation, name="decide_confirmation"),
    path("work/visits/<int:pk>/", views.return_visit, name="return_visit"),
    # video mediation room (the token in the URL is the key; room_views.py)
    path("work/sessions/<int:pk>/room/", room_views.enter, name="enter_room"),
    path("room/<str:token>/", room_views.room_page, name="room"),
    path("room/<str:token>/join/", room_views.join, name="room_join"),
    path("room/<str:token>/poll/", room_views.poll, name="room_poll"),
    path("room/<str:token>/signal/", room_views.signal, name="room_signal"),
    path("room/<str:token>/leave/", room_views.leave, name="room_leave"),
    path("room/<str:token>/consent/", room_views.consent, name="room_consent"),
    path("room/<str:token>/record/", room_views.record, name="room_record"),
    path("room/<str:token>/upload/", room_views.upload_start, name="room_upload_start"),
    path("room/<str:token>/upload/<uuid:upload>/chunk/", room_views.upload_chunk, name="room_upload_chunk"),
    path("room/<str:token>/upload/<uuid:upload>/finish/", room_views.upload_finish, name="room_upload_finish"),
    path("room/<str:token>/close/", room_views.close, name="room_close"),
    path("room/<str:token>/share/", room_views.share, name="room_share"),
    path("room/<str:token>/confirm/", room_views.confirm, name="room_confirm"),
    path("room/<str:token>/drafts/<int:draft>.pdf", room_views.draft_pdf, name="room_draft"),
    # risk register (一案一策)
    path("risks/", views.risks, name="risks"),
    path("risks/new/", views.new_risk, name="new_risk"),
    path("risks/<int:pk>/", views.risk_detail, name="risk"),
    path("risks/<int:pk>/<slug:action>/", views.risk_action, name="risk_action"),
    # legal aid review
    path("legal-aid/", views.legal_aid_inbox, name="legal_aid_inbox"),
    path("legal-aid/<int:pk>/", views.legal_aid_detail, name="legal_aid_detail"),
    path("legal-aid/<int:pk>/files/<int:doc_pk>/", views.legal_aid_document, name="legal_aid_document"),
]
