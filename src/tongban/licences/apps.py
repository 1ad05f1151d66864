from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "tongban.licences"
    label = "licences"
    verbose_name = _("电子证照")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tongban.licences.models import Verifier
        from tongban.licences.verification import verifiers_cache_clear

        # A verifier changed (switched off, scenes narrowed) is read again at its next call in this process.
        post_save.connect(verifiers_cache_clear, sender=Verifier, dispatch_uid="licences.verifiers_cache")
        post_delete.connect(verifiers_cache_clear, sender=Verifier, dispatch_uid="licences.verifiers_cache_d")
