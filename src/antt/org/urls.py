from django.urls import path

from antt.org import views

app_name = "org"
# /can-bo/ itself is the staff home (portal app).
urlpatterns = [
    path("don-vi/", views.unit_tree, name="unit-tree"),
    path("can-bo/danh-sach/", views.officer_list, name="officer-list"),
    path("can-bo/them/", views.officer_create, name="officer-create"),
    path("can-bo/<int:pk>/", views.officer_detail, name="officer-detail"),
    path("can-bo/<int:pk>/sua/", views.officer_edit, name="officer-edit"),
    path("can-bo/<int:pk>/khoa/", views.officer_deactivate, name="officer-deactivate"),
]
