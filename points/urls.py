from django.urls import path

from points import views

app_name = "points"

urlpatterns = [
    path("points/", views.my_points, name="mine"),
    path("points/appeal/<int:pk>/", views.appeal, name="appeal"),
]
