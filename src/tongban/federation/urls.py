from django.urls import path

from tongban.federation import views, views_catalogue

app_name = "federation"

urlpatterns = [
    path("csj/", views.hub, name="hub"),
    path("csj/login/", views.login_choose, name="login"),
    path("csj/login/callback/", views.login_callback, name="login_callback"),
    path("csj/login/<str:member>/", views.login_start, name="login_start"),
    # 长三角通办事项目录 (docs/domain/federation.md §9): anyone.
    path("csj/items/", views_catalogue.regional_items, name="catalogue"),
    path("csj/apply/", views.apply_pick, name="apply_pick"),
    path("csj/apply/multi/", views.apply_multi, name="apply_multi"),
    path("csj/apply/<str:member>/<uuid:item_uuid>/", views.apply_item, name="apply_item"),
    path("csj/counter/<str:member>/<uuid:item_uuid>/", views.counter_item, name="counter_item"),
    path("csj/applications/", views.applications, name="applications"),
    path("csj/applications/<uuid:ref>/", views.application, name="application"),
    path("csj/applications/<uuid:ref>/receipt/", views.application_receipt, name="receipt"),
    path("csj/applications/<uuid:ref>/result.pdf", views.application_result, name="result"),
    path("csj/applications/<uuid:ref>/printed/", views.application_printed, name="printed"),
]
