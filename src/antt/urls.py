from django.contrib import admin
from django.urls import include, path

from antt.api.api import api

admin.site.site_header = "Quản trị hệ thống ANTT"
admin.site.site_title = "Quản trị ANTT"
admin.site.index_title = "Dữ liệu danh mục"

urlpatterns = [
    path("api/v1/", api.urls),
    path("quan-tri/", admin.site.urls),
    path("", include("antt.org.urls")),
    path("", include("antt.catalog.urls")),
    path("", include("antt.portal.urls")),
]
