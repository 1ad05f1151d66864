from django.urls import path

from tongban.catalog import views

app_name = "catalog"

urlpatterns = [
    path("browse/", views.browse, name="browse"),
    path("items/<uuid:item_uuid>/", views.item_guide, name="item"),
    path("bundles/", views.bundle_list, name="bundles"),
    path("bundles/<uuid:bundle_uuid>/", views.bundle_page, name="bundle"),
    path("departments/<uuid:org_uuid>/", views.department_page, name="department"),
]
