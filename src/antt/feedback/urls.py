from django.urls import path

from antt.feedback import views

app_name = "feedback"
urlpatterns = [
    path("danh-gia/<str:token>/", views.rate_by_token, name="rate-token"),
    path("quay/danh-gia/", views.counter_rating, name="counter"),
]
