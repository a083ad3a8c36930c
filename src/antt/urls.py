from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from antt.api.api import api
from antt.org import auth_views

handler404 = "antt.api.errors.not_found"

admin.site.site_header = "Quản trị hệ thống ANTT"
admin.site.site_title = "Quản trị ANTT"
admin.site.index_title = "Dữ liệu danh mục"

urlpatterns = [
    path("api/v1/", api.urls),
    path("quan-tri/", admin.site.urls),
    path("dang-nhap/", auth_views.SignInView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", auth_views.otp_verify, name="login-otp"),
    path("dang-nhap/dang-ky-xac-thuc/", auth_views.otp_enrol, name="login-otp-enrol"),
    path("dang-xuat/", auth_views.SignOutView.as_view(), name="logout"),
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("antt.org.urls")),
    path("", include("antt.catalog.urls")),
    path("", include("antt.dossiers.urls")),
    path("", include("antt.violations.urls")),
    path("", include("antt.establishments.urls")),
    path("", include("antt.lodging.urls")),
    path("", include("antt.feedback.urls")),
    path("", include("antt.reports.urls")),
    path("", include("antt.api.urls")),
    path("", include("antt.portal.urls")),
]

if settings.ANTT_BENCH_VIEWS:  # benchmark baselines only (bench/), never in production
    from antt.dossiers import bench_views
    from antt.violations import bench_views as violations_bench_views

    urlpatterns = [*bench_views.urlpatterns, *violations_bench_views.urlpatterns, *urlpatterns]
