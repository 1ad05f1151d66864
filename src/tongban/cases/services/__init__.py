"""Every write to a case, by stage: ``applying``, ``intake``, ``steps``, ``special`` (special procedures) and
``delivery`` (conclusion and delivery). Each transition is a service with an actor: it locks the case
(``cases.locks``: the case row first, then its steps), checks the state (409 ``invalid_transition``
otherwise), writes a timeline event and an audit event in the same transaction (``cases.events``), and
tells the applicant after commit. Who may call each is checked by ``cases.access``."""

from tongban.cases.services.applying import (
    application_licences,
    case_submit,
    draft_discard,
    draft_file_remove,
    draft_files,
    draft_files_keep,
    draft_save,
    material_plan,
    request_fingerprint,
)
from tongban.cases.services.delivery import case_deliver
from tongban.cases.services.intake import (
    case_accept,
    case_refuse,
    case_request_supplement,
    case_supplement,
    case_withdraw,
    cases_deem_accepted,
)
from tongban.cases.services.reads import case_material_open, case_staff_read
from tongban.cases.services.signing import application_sign, signature_make, signing_choices
from tongban.cases.services.special import special_end, special_start
from tongban.cases.services.steps import DECISIONS, step_claim, step_decide, step_release
from tongban.cases.services.urge import case_urge

__all__ = [
    "DECISIONS",
    "application_licences",
    "application_sign",
    "case_accept",
    "case_deliver",
    "case_material_open",
    "case_refuse",
    "case_request_supplement",
    "case_staff_read",
    "case_submit",
    "case_supplement",
    "case_urge",
    "case_withdraw",
    "cases_deem_accepted",
    "draft_discard",
    "draft_file_remove",
    "draft_files",
    "draft_files_keep",
    "draft_save",
    "material_plan",
    "request_fingerprint",
    "signature_make",
    "signing_choices",
    "special_end",
    "special_start",
    "step_claim",
    "step_decide",
    "step_release",
]
