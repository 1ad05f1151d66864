"""django-oauth-toolkit's app under Chinese names in the admin (its own are the fixed English "Django OAuth
Toolkit" and "applications"). The names are set on the model's options after loading, not in its Meta, so the
migrations do not see them."""

from django.utils.translation import gettext_lazy as _
from oauth2_provider.apps import DOTConfig


class OAuthProviderConfig(DOTConfig):
    verbose_name = _("统一身份认证")

    def ready(self) -> None:
        super().ready()
        options = self.get_model("Application")._meta
        options.verbose_name = _("认证客户端")
        options.verbose_name_plural = _("认证客户端")
