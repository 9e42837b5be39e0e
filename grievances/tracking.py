"""Tracking numbers people can read aloud over the phone: date + daily sequence + check digit.

``20261124 00042 7`` is stored as the 14 digits ``20261124000427``. The check digit uses the
Damm algorithm, which catches every single-digit error and every swap of two adjacent
digits, the two mistakes people make when they read or type a number.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

SEQUENCE_WIDTH = 5


def damm_digit(digits: str) -> str:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return str(interim)


def is_valid(number: str) -> bool:
    number = normalise(number)
    return len(number) >= 14 and damm_digit(number) == "0"


def normalise(text: str) -> str:
    """Accept what people type: spaces, dashes, full-width digits."""
    text = (text or "").translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return re.sub(r"\D", "", text)


def format_tracking_no(number: str) -> str:
    if not number or len(number) < 14:
        return number or ""
    return f"{number[:8]} {number[8:-1]} {number[-1]}"


def build(day: date, sequence: int) -> str:
    body = f"{day:%Y%m%d}{sequence:0{SEQUENCE_WIDTH}d}"
    return body + damm_digit(body)


def next_tracking_no(day: date | None = None) -> str:
    """Take the next number of the day. Must run inside the submitting transaction: the
    UPDATE keeps the day's row locked until commit, so two submissions never share a number."""
    from grievances.models import TrackingSequence

    day = day or timezone.localdate()
    for _attempt in range(3):
        updated = TrackingSequence.objects.filter(day=day).update(last=F("last") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    TrackingSequence.objects.create(day=day, last=1)
                return build(day, 1)
            except IntegrityError:
                continue  # someone created the day's row first: bump it instead
        last = TrackingSequence.objects.filter(day=day).values_list("last", flat=True).get()
        return build(day, last)
    raise RuntimeError("could not allocate a tracking number")
