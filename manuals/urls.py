from django.urls import path

from manuals import views

app_name = "manuals"

urlpatterns = [
    path("study/<int:page_id>/start/", views.study_start, name="study_start"),
    path("study/<uuid:token>/beat/", views.study_beat, name="study_beat"),
    path("study/<uuid:token>/finish/", views.study_finish, name="study_finish"),
    path("search/", views.search, name="search"),
]
