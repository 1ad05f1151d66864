from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "tongban.ratings"
    label = "ratings"
    verbose_name = _("好差评")

    def ready(self) -> None:
        from tongban.cases.facade import case_ended
        from tongban.core.signals import maintenance_sweep
        from tongban.frontdesk.facade import pad_rated
        from tongban.ratings.invitations import case_ended_receiver
        from tongban.ratings.services import pad_rated_receiver
        from tongban.ratings.tasks import invitations_maintenance_receiver, maintenance_receiver

        # The pad's 一次一评 (frontdesk's pad_rate, after its commit) becomes an evaluation; the maintenance sweep
        # writes any the receiver missed (a failure after the commit).
        pad_rated.connect(pad_rated_receiver, dispatch_uid="ratings.pad_rated")
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="ratings.pad_catch_up")
        # A case's end (cases' case_ended, after its commit) invites its applicant to rate it; the sweep sends the
        # reminders and the SMS held for the morning, and invites for any end the receiver missed.
        case_ended.connect(case_ended_receiver, dispatch_uid="ratings.case_ended")
        maintenance_sweep.connect(invitations_maintenance_receiver, dispatch_uid="ratings.invitations")
