from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("监督考核")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.supervision.tasks import maintenance_receiver

        # Every sweep brings the daily roll-ups up to date (rollup.py): the days touched since the last run.
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="supervision.rollup")
