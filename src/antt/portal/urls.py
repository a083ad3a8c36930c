from django.urls import path

from antt.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thong-bao/", views.announcement_list, name="announcements"),
    path("thong-bao/<slug:slug>/", views.announcement_detail, name="announcement"),
    path("lien-he/", views.contacts, name="contacts"),
    path("so-lieu/", views.figures, name="figures"),
    # Under the catalogue's prefix: the catalogue's own "thu-tuc/<code>/" never matches a deeper path.
    path("thu-tuc/<str:code>/phieu-huong-dan.pdf", views.procedure_checklist, name="procedure-checklist"),
    path("can-bo/", views.staff_home, name="staff-home"),
    path("can-bo/thong-bao/", views.announcement_manage, name="announcement-manage"),
    path("can-bo/thong-bao/moi/", views.announcement_new, name="announcement-new"),
    path("can-bo/thong-bao/<int:pk>/", views.announcement_edit, name="announcement-edit"),
    path("can-bo/thong-bao/<int:pk>/<slug:action>/", views.announcement_action, name="announcement-action"),
]
