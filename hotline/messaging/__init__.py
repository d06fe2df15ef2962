"""Messages the line sends: the SMS outbox (each keyed message at most once)."""

from hotline.messaging.outbox import (
    MAX_ATTEMPTS,
    SendSms,
    deliver,
    deliver_to_each,
    supervisor_numbers,
)

__all__ = ["MAX_ATTEMPTS", "SendSms", "deliver", "deliver_to_each", "supervisor_numbers"]
