from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SealsConfig(AppConfig):
    name = "tongban.seals"
    label = "seals"
    verbose_name = _("电子印章")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.licences.facade import licence_document_wanted
        from tongban.seals.tasks import licence_document_receiver, maintenance_receiver

        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="seals.expire")
        # A licence written (or downloaded without a sealed file): its issuing department seals its PDF.
        licence_document_wanted.connect(licence_document_receiver, dispatch_uid="seals.licence_document")
