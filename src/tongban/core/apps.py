from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tongban.core"
    label = "core"
    verbose_name = _("平台内核")

    def ready(self) -> None:
        from tongban.core import checks, signals  # noqa: F401
