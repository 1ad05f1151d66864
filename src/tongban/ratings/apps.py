from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "tongban.ratings"
    label = "ratings"
    verbose_name = _("好差评")

    def ready(self) -> None:
        from tongban.frontdesk.facade import pad_rated
        from tongban.ratings.services import pad_rated_receiver

        # The pad's 一次一评 (frontdesk's pad_rate, after its commit) becomes an evaluation.
        pad_rated.connect(pad_rated_receiver, dispatch_uid="ratings.pad_rated")
