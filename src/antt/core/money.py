"""Money in Vietnamese words and figures, as official documents write them.

Formal style of receipts and penalty decisions: "không trăm" and "linh" inside a
number ("hai nghìn không trăm hai mươi tư"), "mốt", "tư" and "lăm" after "mươi",
"tỷ" repeated for larger amounts ("một triệu tỷ"). num2words' Vietnamese reading
is wrong for amounts like 2,024 (`../shared/research/libraries.md` §2), so this is
written here and table-tested.
"""

_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_BILLION = 10**9


def _triple(n: int, full: bool) -> list[str]:
    """Words for 0 < n < 1000; `full` reads the hundreds even when zero (not the leading group)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (full or hundreds):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 4 and tens > 1:
            words.append("tư")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return words


def _below_billion(n: int, full: bool) -> list[str]:
    words: list[str] = []
    for value, unit in ((n // 10**6, "triệu"), (n // 1000 % 1000, "nghìn"), (n % 1000, "")):
        if value:
            words += _triple(value, full)
            if unit:
                words.append(unit)
            full = True
    return words


def _words(n: int) -> list[str]:
    if n >= _BILLION:
        high, low = divmod(n, _BILLION)
        return [*_words(high), "tỷ", *_below_billion(low, full=True)]
    return _below_billion(n, full=False)


def number_in_words(n: int) -> str:
    """124330403000 -> "một trăm hai mươi tư tỷ ba trăm ba mươi triệu bốn trăm linh ba nghìn"."""
    if n == 0:
        return "không"
    if n < 0:
        return "âm " + number_in_words(-n)
    return " ".join(_words(n))


def money_in_words(amount: int) -> str:
    """Amount in đồng, as written under the figures: "Một triệu năm trăm nghìn đồng"."""
    text = number_in_words(int(amount)) + " đồng"
    return text[0].upper() + text[1:]


NBSP = "\u00a0"


def format_vnd(amount: int, *, sep: str = " ") -> str:
    """1500000 -> "1.500.000 đ" (dots between thousands, as Vietnamese forms write it).

    Web pages pass `sep=NBSP` so that a narrow screen never wraps "đ" onto its own line; PDFs
    and spreadsheets keep the plain space (their text is compared by the printing tests)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(int(amount)):,}".replace(",", ".") + sep + "đ"
