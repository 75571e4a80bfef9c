from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quiz/", views.centre_view, name="centre"),
    path("quiz/exam/", views.annual_exam_view, name="annual_exam"),
    path("quiz/attempt/<uuid:token>/", views.attempt_view, name="attempt"),
    path("quiz/attempt/<uuid:token>/answer/", views.answer_view, name="answer"),
    path("quiz/attempt/<uuid:token>/submit/", views.submit_view, name="submit"),
    path("quiz/attempt/<uuid:token>/result/", views.result_view, name="result"),
    path("quiz/wrong-book/", views.wrong_book_view, name="wrong_book"),
]
