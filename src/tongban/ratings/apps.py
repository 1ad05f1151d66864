from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "tongban.ratings"
    label = "ratings"
    verbose_name = _("好差评")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.frontdesk.facade import pad_rated
        from tongban.ratings.services import pad_rated_receiver
        from tongban.ratings.tasks import maintenance_receiver

        # The pad's 一次一评 (frontdesk's pad_rate, after its commit) becomes an evaluation; the maintenance sweep
        # writes any the receiver missed (a failure after the commit).
        pad_rated.connect(pad_rated_receiver, dispatch_uid="ratings.pad_rated")
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="ratings.pad_catch_up")
