from django.urls import path

from antt.reports import views

app_name = "reports"
urlpatterns = [
    path("thong-ke/", views.statistics, name="statistics"),
    path("thong-ke/xuat.xlsx", views.statistics_export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("thong-ke/xuat.pdf", views.statistics_export, {"fmt": "pdf"}, name="export-pdf"),
]
