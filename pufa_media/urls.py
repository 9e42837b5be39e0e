from django.urls import path  # noqa: F401

app_name = "pufa_media"

urlpatterns: list = []
