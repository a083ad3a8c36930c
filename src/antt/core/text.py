"""Vietnamese text folding for search: "Đăng ký xe" -> "dang ky xe".

NFD, drop combining marks, map đ/Đ to d (which Unicode does not decompose),
lower-case and collapse spaces. The same function folds the indexed column and
the query, so "cap ho chieu" finds "Cấp hộ chiếu phổ thông".
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped).strip().lower()
