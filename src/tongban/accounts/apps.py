from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tongban.accounts"
    label = "accounts"
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        from tongban.accounts import signals  # noqa: F401
