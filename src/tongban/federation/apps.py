from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "tongban.federation"
    label = "federation"
    verbose_name = _("长三角一网通办")

    def ready(self) -> None:
        from tongban.core.signals import maintenance_sweep
        from tongban.federation.handlers import load_flows
        from tongban.federation.tasks import maintenance_receiver

        load_flows()
        from tongban.cases.facade import case_event_recorded
        from tongban.federation.crossregion import case_event_receiver

        # Each event of a case another member sent here goes back to it, in the event's transaction.
        case_event_recorded.connect(case_event_receiver, dispatch_uid="federation.case_event")

        # 亮证 tokens of other members, on the licence library's verifier API and page (licences.foreign).
        from tongban.federation.recognition import verify_foreign_shown
        from tongban.licences.facade import foreign_verifier_register

        foreign_verifier_register(verify_foreign_shown)

        # Every sweep sends the messages due again, processes inbound messages left over, and pulls the trust
        # list from the coordinator when it is due (docs/domain/federation.md §5).
        maintenance_sweep.connect(maintenance_receiver, dispatch_uid="federation.sweep")
