from django.urls import path

from legalqa.lawyers import views

app_name = "lawyers"

urlpatterns = [
    path("", views.index, name="index"),
    path("ask/", views.ask, name="ask"),
    path("mine/", views.my_questions, name="my_questions"),
    path("q/<int:pk>/", views.question, name="question"),
    path("q/<int:pk>/answer/", views.answer, name="answer"),
    path("q/<int:pk>/close/", views.close, name="close"),
    path("a/<int:answer_pk>/reply/", views.reply, name="reply"),
    path("a/<int:answer_pk>/best/", views.best, name="best"),
    path("lawyers/", views.lawyer_list, name="lawyer_list"),
    path("lawyers/<int:pk>/", views.lawyer_detail, name="lawyer_detail"),
    path("desk/", views.lawyer_desk, name="lawyer_desk"),
    path("urgent/", views.urgent, name="urgent"),
    path("urgent/<slug:field_code>/<int:profile_pk>/call/", views.call, name="call"),
    path("urgent/<slug:field_code>/<int:profile_pk>/callback/", views.callback, name="callback"),
    path("callbacks/<int:pk>/ack/", views.callback_ack, name="callback_ack"),
    path("commissions/", views.commission_list, name="commission_list"),
    path("commissions/new/", views.commission_new, name="commission_new"),
    path("commissions/<int:pk>/", views.commission, name="commission"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("guides/", views.guide_list, name="guide_list"),
    path("guides/<int:pk>/", views.guide_detail, name="guide"),
    path("services/", views.my_services, name="my_services"),
    path("services/new/<slug:kind>/", views.service_new, name="service_new"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("services/review/", views.service_queue, name="service_queue"),
    path("figures/", views.figures, name="figures"),
    path("routing/", views.routing, name="routing"),
    path("awards/statement/", views.statement, name="statement"),
    path("fields.json", views.fields_json, name="fields_json"),
]
