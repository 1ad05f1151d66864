"""What other contexts may use of cases (ADR 0008): for now the demo loader, which the portal's demo
command runs after the identity, catalog and licence demos."""

from __future__ import annotations

from tongban.cases.demo import demo_load_cases

__all__ = ["demo_load_cases"]

# --- the front desk's hand-out window and figures (issue 17 §3, §4; cases/services/handout.py) -------------
from tongban.cases.services.handout import (
    AcceptanceFacts,
    HandoutCase,
    case_acceptance_facts,
    case_awaiting_handout,
    case_hand_out,
    case_item_names,
    case_receiver_matches,
    cases_awaiting_handout,
)

__all__ += [
    "AcceptanceFacts",
    "HandoutCase",
    "case_acceptance_facts",
    "case_awaiting_handout",
    "case_hand_out",
    "case_item_names",
    "case_receiver_matches",
    "cases_awaiting_handout",
]
