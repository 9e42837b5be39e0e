from django.urls import path

from analysis import views

app_name = "analysis"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data.json", views.dashboard_data, name="data"),
    path("map.json", views.map_data, name="map"),
    path("reports/", views.reports, name="reports"),
    path("reports/make/", views.report_make, name="report_make"),
    path("reports/<int:pk>/<str:fmt>/", views.report_file, name="report_file"),
    path("exports/", views.exports, name="exports"),
    path("exports/<int:pk>/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_file, name="export_file"),
]
