from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("registry/", include("talentlink.registry.urls")),
    path("credentials/", include("talentlink.credentials.urls")),
    path("experts/", include("talentlink.experts.urls")),
    path("benefits/", include("talentlink.benefits.urls")),
    path("code/", include("talentlink.talentcode.urls")),
    path("targets/", include("talentlink.indicators.urls")),
    path("market/", include("talentlink.market.urls")),
    path("", include("talentlink.core.urls")),
]
# Uploaded files (city exports, licence scans) hold personal data: they are never served as
# media, only through views that check the reader's role and city.
