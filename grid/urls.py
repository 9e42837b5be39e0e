from django.contrib.auth import views as auth_views
from django.urls import path

from grid import files, views
from grid.forms import LoginForm

app_name = "grid"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="grid/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/login/sms/", views.sms_login, name="sms_login"),
    path("accounts/2fa/", views.otp_verify, name="otp_verify"),
    path("accounts/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("large-text/", views.toggle_large_text, name="large_text"),
    path("directory/departments/", views.department_directory, name="department_directory"),
    path("directory/mediation/", views.mediation_directory, name="mediation_directory"),
    path("regions/children/", views.region_children, name="region_children"),
    path("files/<str:label>/<str:field>/<int:pk>/", files.serve, name="private_file"),
]
