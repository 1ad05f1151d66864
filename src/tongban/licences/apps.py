from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "tongban.licences"
    label = "licences"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from tongban.accounts.facade import oidc_client_source
        from tongban.core.audit import data_use_source
        from tongban.licences.models import Verifier
        from tongban.licences.uses import holder_data_uses
        from tongban.licences.verifiers import OIDC_SOURCE, verifier_oidc_client, verifiers_cache_clear

        # The holder's licence uses are part of 谁使用了我的信息.
        data_use_source(holder_data_uses)
        # Verifiers get OAuth2 access tokens from the platform's token endpoint with their keys.
        oidc_client_source(OIDC_SOURCE, verifier_oidc_client)

        # A verifier changed (switched off, scenes narrowed) is read again at its next call in this process.
        post_save.connect(verifiers_cache_clear, sender=Verifier, dispatch_uid="licences.verifiers_cache")
        post_delete.connect(verifiers_cache_clear, sender=Verifier, dispatch_uid="licences.verifiers_cache_d")
        # The platform's key (亮证 tokens, Token Status Lists) exists once the tables do, so that a JWKS fetched
        # before the first token or list already holds it.
        post_migrate.connect(platform_key_ensure, sender=self, dispatch_uid="licences.platform_key")


def platform_key_ensure(*, using=DEFAULT_DB_ALIAS, apps=None, **_kwargs) -> None:
    """After ``migrate`` (and a test database's set-up or flush): make the platform's signing key when it has
    none. Nothing for another database, or when the key table is not (yet, or no longer) the model's (a
    migration to an earlier state, ``migrate licences zero``)."""
    from tongban.licences.models import IssuerKey
    from tongban.licences.show import show_key

    if using != DEFAULT_DB_ALIAS:
        return
    if apps is None:  # flush (a transactional test's tear-down): the tables are the models'
        from django.apps import apps
    try:
        migrated = apps.get_model("licences", "IssuerKey")
    except LookupError:
        return

    def columns(model) -> set[str]:
        return {field.column for field in model._meta.concrete_fields}

    if columns(migrated) == columns(IssuerKey):
        show_key()
