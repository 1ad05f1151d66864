from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tongban.cases"
    label = "cases"
    verbose_name = _("办件")

    def ready(self) -> None:
        from tongban.accounts.facade import identity_transferred
        from tongban.cases.identity import identity_transferred_receiver

        identity_transferred.connect(identity_transferred_receiver, dispatch_uid="cases.identity_transferred")
        from tongban.cases.files import maintenance_receiver
        from tongban.core.signals import maintenance_sweep

        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="cases.orphan_files")
        from tongban.cases.signals import calendar_changed_receiver
        from tongban.core.signals import calendar_changed

        calendar_changed.connect(calendar_changed_receiver, dispatch_uid="cases.deadlines_recompute")
