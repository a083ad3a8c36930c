from django.urls import path

from antt.catalog import views

app_name = "catalog"
urlpatterns = [
    path("thu-tuc/", views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure-detail"),
]
