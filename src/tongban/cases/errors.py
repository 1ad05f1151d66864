"""The cases context's error codes."""

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, NotFound


class CaseNotFound(NotFound):
    def __init__(self):
        super().__init__("case_not_found", _("办件不存在"))


class StepNotFound(NotFound):
    def __init__(self):
        super().__init__("step_not_found", _("环节不存在"))


class TargetNotFound(NotFound):
    def __init__(self):
        super().__init__("target_not_found", _("没有可以申请的事项或一件事"))


class InvalidTransition(Conflict):
    """The case (or step) is not in a state that allows this action: 409 with the current state."""

    def __init__(self, action: str, state: str):
        super().__init__("invalid_transition", _("办件当前状态不允许此操作"), action=action, state=state)


class MaterialNotFound(NotFound):
    def __init__(self):
        super().__init__("material_not_found", _("材料不存在"))
