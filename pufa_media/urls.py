from django.urls import path

from pufa_media import views

app_name = "pufa_media"

urlpatterns = [
    path("", views.video_list, name="videos"),
    path("v/<int:pk>/", views.video_detail, name="video"),
    path("v/<int:pk>/play/", views.play, name="play"),
    path("v/<int:pk>/poster.pdf", views.video_poster_pdf, name="video_poster_pdf"),
    path("q/<int:pk>/answer/", views.answer, name="answer"),
    path("cases/", views.article_list, name="articles"),
    path("cases/<int:pk>/", views.article_detail, name="article"),
    path("cases/<int:pk>/poster.pdf", views.article_poster_pdf, name="article_poster_pdf"),
    path("screen/<int:pk>/", views.screen, name="screen"),
    path("poster.pdf", views.page_poster_pdf, name="page_poster_pdf"),
    path("posters/", views.poster_index, name="poster_index"),
    path("hot/", views.hot_fields, name="hot_fields"),
]
