"""Phrases shared by the explanations of every answer, so they read the same everywhere."""

from __future__ import annotations

__all__ = ["LONGEST_ALLOWED", "next_longer_sentence", "regimen_phrase"]

#: Said when the chosen interval is the longest of the options.
LONGEST_ALLOWED = "This is the longest interval allowed by the options given."


def regimen_phrase(dose_mg: float, interval_days: int) -> str:
    """``"300 mg every 28 days"``."""
    return f"{dose_mg:g} mg every {interval_days} days"


def next_longer_sentence(dose_mg: float, interval_days: int, consequence: str) -> str:
    """Why the next longer interval was not chosen: ``consequence`` completes "... would"."""
    return f"Why not longer: {regimen_phrase(dose_mg, interval_days)} would {consequence}."
