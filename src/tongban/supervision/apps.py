from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("监督考核")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.supervision.tasks import maintenance_receiver

        # The month and quarter just ended are assessed once by the sweep; reports and issued circulars a task
        # failed to seal are sealed there (docs/domain/supervision-assessments.md §5).
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="supervision.assessments")
