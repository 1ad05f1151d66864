from django.urls import path

from tongban.federation import views

app_name = "federation"

urlpatterns = [
    # 长三角通办事项目录 (docs/domain/federation.md §7): anyone.
    path("csj/items/", views.regional_items, name="catalogue"),
]
