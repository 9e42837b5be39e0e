from django.urls import path

from grid.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.message_list, name="list"),
    path("<int:pk>/", views.open_message, name="open"),
    path("read-all/", views.read_all, name="read_all"),
]
