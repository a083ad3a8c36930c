from django.urls import path

from antt.feedback import views, views_public, views_staff

app_name = "feedback"
urlpatterns = [
    path("danh-gia/<str:token>/", views.rate_by_token, name="rate-token"),
    path("quay/danh-gia/", views.counter_rating, name="counter"),
    *views_public.urlpatterns,  # /phan-anh-kien-nghi/… (citizens, no sign-in)
    *views_staff.urlpatterns,  # /can-bo/phan-anh-kien-nghi/… (officers)
]
