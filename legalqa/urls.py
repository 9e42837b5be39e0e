from django.urls import path

from . import views

app_name = "legalqa"

# Law library (法律书屋). Lawyer Q&A routes, when added, live under "qa/".
urlpatterns = [
    path("laws/", views.library_home, name="library"),
    path("laws/search/", views.search_page, name="search"),
    path("laws/api/search/", views.search_api, name="search_api"),
    path("laws/api/citations/", views.citations_api, name="citations_api"),
    path("laws/request/", views.request_law, name="request_law"),
    path("laws/category/<str:category>/", views.category_detail, name="category"),
    path("laws/<str:law>/", views.law_detail, name="law_detail"),
    path("laws/<str:law>/<str:article>/", views.article_detail, name="article_detail"),
]
