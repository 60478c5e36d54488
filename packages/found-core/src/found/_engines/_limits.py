"""FoundationDB's size limits, as the embedded engines enforce them (L-01..L-05)."""

from __future__ import annotations

__all__ = [
    "KEY_SIZE_LIMIT",
    "SYSTEM_KEY_SIZE_LIMIT",
    "TRANSACTION_SIZE_LIMIT",
    "VALUE_SIZE_LIMIT",
]

KEY_SIZE_LIMIT = 10_000
SYSTEM_KEY_SIZE_LIMIT = 30_000
VALUE_SIZE_LIMIT = 100_000
TRANSACTION_SIZE_LIMIT = 10_000_000
