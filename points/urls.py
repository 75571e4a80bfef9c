from django.urls import path

from points import views

app_name = "points"

urlpatterns = [
    path("points/", views.my_points, name="mine"),
    path("points/appeal/<int:pk>/", views.appeal, name="appeal"),
    path("points/certificates/", views.my_certificates, name="certificates"),
    path(
        "points/certificates/<str:serial>.pdf",
        views.certificate_download,
        name="certificate_pdf",
    ),
    path("points/transcript.pdf", views.my_transcript, name="transcript"),
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:serial>/", views.verify, name="verify"),
]
