from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("监督考核")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.supervision.tasks import assessments_maintenance_receiver, maintenance_receiver

        # Every sweep brings the daily roll-ups up to date (rollup.py): the days touched since the last run.
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="supervision.rollup")
        # Then the month and quarter just ended are assessed, once; reports and issued circulars a task failed to
        # seal are sealed there (docs/domain/supervision-assessments.md §5).
        maintenance_sweep.connect(assessments_maintenance_receiver, dispatch_uid="supervision.assessments")
