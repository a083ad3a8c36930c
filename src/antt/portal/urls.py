from django.urls import path

from antt.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("can-bo/", views.staff_home, name="staff-home"),
]
