"""The cases context's error codes."""

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, ErrorCode, NotFound


class CaseError(ErrorCode):
    """The cases context's error codes (applying, intake, steps, uploads)."""

    APPLICANT_NOT_FOUND = "applicant_not_found"
    APPLICATION_SIGNED = "application_signed"
    ASSURANCE_TOO_LOW = "assurance_too_low"
    CASE_NOT_FOUND = "case_not_found"
    CASE_URGED_TODAY = "case_urged_today"
    COMPANY_SEAL_INVALID = "company_seal_invalid"
    COMPANY_SEAL_REQUIRED = "company_seal_required"
    DUPLICATE_MATERIAL = "duplicate_material"
    FILE_CORRUPT = "file_corrupt"
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TOO_LARGE_UNCOMPRESSED = "file_too_large_uncompressed"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    FORM_INVALID = "form_invalid"
    FORM_SCHEMA_INVALID = "form_schema_invalid"
    FORM_TOO_LARGE = "form_too_large"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IMAGE_TOO_LARGE = "image_too_large"
    LEGAL_REPRESENTATIVE_NOT_APPLICANT = "legal_representative_not_applicant"
    LOOKUP_NOT_FOUND = "lookup_not_found"
    INVALID_BASE64 = "invalid_base64"
    INVALID_DECISION = "invalid_decision"
    INVALID_DELIVERY = "invalid_delivery"
    FEDERATED_MODE_INVALID = "federated_mode_invalid"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    INVALID_SPECIAL_KIND = "invalid_special_kind"
    INVALID_TRANSITION = "invalid_transition"
    MATERIAL_NOT_FOUND = "material_not_found"
    MATERIAL_NOT_REQUESTED = "material_not_requested"
    MATERIALS_INVALID = "materials_invalid"
    NOT_SUPERVISOR = "not_supervisor"
    NOT_WINDOW_CLERK = "not_window_clerk"
    OFD_INVALID = "ofd_invalid"
    OPINION_REQUIRED = "opinion_required"
    PERSONAL_SEAL_INVALID = "personal_seal_invalid"
    PRECHECK_INVALID = "precheck_invalid"
    REASON_REQUIRED = "reason_required"
    REASONS_REQUIRED = "reasons_required"
    RESULT_NOT_MADE = "result_not_made"
    STEP_NOT_FOUND = "step_not_found"
    SUPPLEMENT_EMPTY = "supplement_empty"
    SUPPLEMENT_INCOMPLETE = "supplement_incomplete"
    SUPPLEMENT_ITEMS_REQUIRED = "supplement_items_required"
    TARGET_NOT_FOUND = "target_not_found"
    TRACKING_NUMBER_REQUIRED = "tracking_number_required"
    UNKNOWN_MATERIAL = "unknown_material"
    WRONG_AUDIENCE = "wrong_audience"


class CaseNotFound(NotFound):
    def __init__(self):
        super().__init__(CaseError.CASE_NOT_FOUND, _("办件不存在"))


class StepNotFound(NotFound):
    def __init__(self):
        super().__init__(CaseError.STEP_NOT_FOUND, _("环节不存在"))


class TargetNotFound(NotFound):
    def __init__(self):
        super().__init__(CaseError.TARGET_NOT_FOUND, _("没有可以申请的事项或一件事"))


class InvalidTransition(Conflict):
    """The case (or step) is not in a state that allows this action: 409 with the current state."""

    def __init__(self, action: str, state: str):
        super().__init__(
            CaseError.INVALID_TRANSITION, _("办件当前状态不允许此操作"), action=action, state=state
        )


class MaterialNotFound(NotFound):
    def __init__(self):
        super().__init__(CaseError.MATERIAL_NOT_FOUND, _("材料不存在"))


class ResultNotMade(Conflict):
    """The step's result (its e-licence, the enterprise it registers) cannot be made: the step does not pass,
    and the case is not concluded without its result."""

    def __init__(self, problem: str, **details):
        super().__init__(
            CaseError.RESULT_NOT_MADE,
            _("办理结果无法生成，环节未办结：请核对申请信息或联系事项管理员"),
            problem=problem,
            **details,
        )


class LookupNotFound(NotFound):
    def __init__(self):
        super().__init__(CaseError.LOOKUP_NOT_FOUND, _("办件编号或查询码不正确"))


class CaseUrgedToday(Conflict):
    """督办: the case was urged already today (one 督办 a case a day; the department has been told)."""

    def __init__(self):
        super().__init__(CaseError.CASE_URGED_TODAY, _("该办件今天已督办，请勿重复督办"))
