from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    name = "tongban.frontdesk"
    label = "frontdesk"
    verbose_name = _("综合窗口")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.frontdesk.tasks import maintenance_receiver

        # `tongban maintenance` (every minute) offers each centre's default appointment slots a week ahead.
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="frontdesk.slots")
