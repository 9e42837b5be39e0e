from django.urls import path

from grievances.deadlines import views

app_name = "deadlines"

urlpatterns = [
    path("<int:pk>/pause/", views.pause, name="pause"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("extensions/", views.extensions, name="extensions"),
    path("extensions/<int:pk>/", views.decide, name="decide"),
]
