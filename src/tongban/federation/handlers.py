"""What a received message does, by its type. A handler runs once per message, inside the transaction that
marks the message processed: its effects and the mark commit together (docs/domain/federation.md §5)."""

from __future__ import annotations

from collections.abc import Callable

from tongban.federation.models import InboundMessage

Handler = Callable[[InboundMessage], None]
Check = Callable[[dict], None]
HANDLERS: dict[str, Handler] = {}
# Checks a type may add, run when a message is received, before it is stored and acknowledged: a refusal
# (a DomainError) answers the sender at once with its 4xx code, so the sender's outbox marks it failed with
# the reason instead of a receipt (an outdated catalogue version, say).
CHECKS: dict[str, Check] = {}


def handles(message_type: str, *, check: Check | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[message_type] = fn
        if check is not None:
            CHECKS[message_type] = check
        return fn

    return register


@handles("ping")
def ping(message: InboundMessage) -> None:
    """A liveness check between members; answered with ``pong`` when the body asks for a reply."""
    from tongban.federation.messages import send

    if message.body.get("reply"):
        send(
            to=message.from_member,
            type="pong",
            body={"ping": str(message.uuid), "n": message.body.get("n")},
            correlation=message.uuid,
        )


@handles("pong")
def pong(message: InboundMessage) -> None:
    """The answer to a ping: nothing more to do (its arrival is in the inbox and the log)."""


# The flows' handlers register themselves when their modules are imported (one line each).
def load_flows() -> None:
    """Import every module that registers handlers (called once the apps are ready)."""
    from tongban.federation import (
        crossregion,  # noqa: F401
        hotline,
    )

    hotline.register()

    from tongban.federation import catalogue  # noqa: F401  (catalogue.version)
