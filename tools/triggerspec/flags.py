"""Argument types for every numeric flag of the CLI and the pytest plugins.

Each is an ``argparse`` ``type=`` callable: a bad value becomes one line naming the flag's
rule (argparse adds the flag), exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def _number(text: str, kind: type[int] | type[float]) -> float:
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {(kind.__name__ == 'int' and 'an integer') or 'a number'}"
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An integer from ``low`` to ``high`` (inclusive; no upper bound when ``None``)."""

    def parse(text: str) -> int:
        value = int(_number(text, int))
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{value} is out of range: must be {bound}")
        return value

    parse.__name__ = "integer"
    return parse


def positive_seconds(text: str) -> float:
    """A finite number of seconds above zero."""
    value = float(_number(text, float))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


positive_seconds.__name__ = "seconds"

POSITIVE = int_range(1)
NON_NEGATIVE = int_range(0)
PORT = int_range(0, 65535)
SEED = int_range(0, 2**64 - 1)
