"""Chinese numerals as printed in statutes: 第一千一百六十五条, 第二百六十六条之一, 第1165条."""

from __future__ import annotations

import re

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
NUM_CHARS = "零〇○一二两三四五六七八九十百千万0-9０-９"


def cn2num(s: str) -> int | None:
    """``一千一百六十五`` → 1165; ``1165`` → 1165; ``二〇二一`` (digit by digit) → 2021."""
    s = (s or "").strip().translate(FULLWIDTH)
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if not any(ch in CN_UNITS for ch in s):
        if all(ch in CN_DIGITS for ch in s):
            return int("".join(str(CN_DIGITS[ch]) for ch in s))
        return None
    total = section = num = 0
    for ch in s:
        if ch in CN_DIGITS:
            num = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if unit == 10000:
                section = (section + num) * unit
                total += section
                section = 0
            else:
                section += (num or 1) * unit
            num = 0
        else:
            return None
    return total + section + num


def num2cn(n: int) -> str:
    """1165 → 一千一百六十五; 10 → 十; 105 → 一百零五; 110 → 一百一十."""
    if n == 0:
        return "零"
    digits = "零一二三四五六七八九"
    units = ["", "十", "百", "千"]
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = num2cn(low) if low else ""
        if low and low < 1000:
            rest = "零" + rest
        return num2cn(high) + "万" + rest
    out = []
    s = str(n)
    zero = False
    for i, ch in enumerate(s):
        d = int(ch)
        pos = len(s) - i - 1
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append("零")
        zero = False
        out.append(digits[d] + units[pos])
    text = "".join(out)
    if 10 <= n < 20:
        text = text[1:]
    return text


def article_label(number: int, suffix: int = 0) -> str:
    label = f"第{num2cn(number)}条"
    if suffix:
        label += f"之{num2cn(suffix)}"
    return label


LABEL_RE = re.compile(rf"^第([{NUM_CHARS}]+)条(?:之([{NUM_CHARS}]+))?$")


def parse_label(label: str) -> tuple[int, int] | None:
    """``第一百二十条之一`` → (120, 1)."""
    m = LABEL_RE.match((label or "").strip())
    if not m:
        return None
    number = cn2num(m.group(1))
    suffix = cn2num(m.group(2)) if m.group(2) else 0
    if number is None or suffix is None:
        return None
    return number, suffix
