from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "tongban.catalog"
    label = "catalog"
    verbose_name = _("事项目录")

    def ready(self) -> None:
        from tongban.accounts.facade import item_catalog_register
        from tongban.catalog.facade import ItemCodes

        item_catalog_register(ItemCodes())
