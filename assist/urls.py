from django.urls import path

from assist import views

app_name = "assist"

urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("alerts/<int:pk>/handle/", views.handle_alert, name="handle_alert"),
    path("similar.json", views.similar_json, name="similar"),
    path("me-too/<int:pk>/", views.me_too, name="me_too"),
    path("link/<int:pk>/", views.link, name="link"),
]
