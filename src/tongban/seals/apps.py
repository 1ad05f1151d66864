from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SealsConfig(AppConfig):
    name = "tongban.seals"
    label = "seals"
    verbose_name = _("电子印章")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.seals.tasks import maintenance_receiver

        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="seals.expire")
