from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("监督考核")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.supervision.tasks import (
            assessments_maintenance_receiver,
            blind_spots_receiver,
            maintenance_receiver,
        )

        # Every sweep brings the daily roll-ups up to date (rollup.py): the days touched since the last run.
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="supervision.rollup")
        # Then the month and quarter just ended are assessed, once; reports and issued circulars a task failed to
        # seal are sealed there (docs/domain/supervision-assessments.md §5).
        maintenance_sweep.connect(assessments_maintenance_receiver, dispatch_uid="supervision.assessments")
        # The blind-spot report of the current month again every TONGBAN_BLIND_SPOTS_MINUTES, the previous
        # month's once more after it ended (blindspots.py).
        maintenance_sweep.connect(blind_spots_receiver, dispatch_uid="supervision.blind_spots")
