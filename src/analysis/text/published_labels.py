"""Readable labels of published figures: period codes ("q1", "to_2024_11"), scopes and places, in vi or en.

Published figures' names carry their period and scope as codes (``ontime_rate_district_level__q1``); these
functions turn them into the words a reader expects ("Lâm Đồng · cấp huyện · quý I/2020"), never a raw code.
"""

from __future__ import annotations

import unicodedata

from analysis.text.labels import LANGS, check_lang

#: Scope written in a published indicator's name (after the base definition) -> (vi, en).
PUBLISHED_SCOPES: dict[str, tuple[str, str]] = {
    "provincial_level": ("cấp tỉnh", "provincial level"),
    "district_level": ("cấp huyện", "district level"),
    "commune_level": ("cấp xã", "commune level"),
    "district_commune": ("cấp huyện và cấp xã", "district and commune levels"),
    "provincial_center": ("Trung tâm Phục vụ hành chính công tỉnh", "provincial public service centre"),
    "provincial_agencies": ("các sở, ngành", "provincial agencies"),
    "approx": ("số xấp xỉ", "approximate"),
    "dvcqg": ("trên Cổng Dịch vụ công quốc gia", "on the National Public Service Portal"),
    "btxh": ("bảo trợ xã hội", "social protection (BTXH)"),
    "nguoicocong": ("người có công", "people with merit (NCC)"),
}
#: Published definitions shown in a panel of their own although no registry indicator matches them.
PUBLISHED_NAMES: dict[str, tuple[str, str]] = {
    "welfare_paid_via_account_rate_denominator_unspecified": (
        "Chi trả qua tài khoản (nguồn không nêu mẫu số)",
        "Paid through an account (base not stated by the source)",
    ),
}
#: Published "province" names that are not provinces: the national figures (vi, en).
PUBLISHED_PLACES: dict[str, tuple[str, str]] = {
    "Toàn quốc": ("Toàn quốc", "Whole country"),
    "Toàn quốc (khối bộ, ngành)": ("Toàn quốc (khối bộ, ngành)", "Whole country (ministries)"),
    "Toàn quốc (khối địa phương)": ("Toàn quốc (khối địa phương)", "Whole country (localities)"),
    "Toàn quốc (khối tỉnh, thành)": ("Toàn quốc (khối tỉnh, thành)", "Whole country (provinces)"),
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_CODES = {m.lower(): i + 1 for i, m in enumerate(MONTHS_EN)}


def _date_text(day: int | None, month: int, year: int | None, lang: str) -> str:
    if lang == "vi":
        return "/".join(str(v) for v in (day, month, year) if v is not None)
    return " ".join(str(v) for v in (day, MONTHS_EN[month - 1], year) if v is not None)


def period_label(qualifier: str, year: int, *, lang: str = "vi") -> str:
    """Return a readable period of a published figure from its qualifier code and year, never the raw code.

    >>> period_label("", 2023, lang="vi")
    '2023'
    >>> period_label("q1", 2020, lang="vi"), period_label("q1", 2020, lang="en")
    ('quý I/2020', 'Q1 2020')
    >>> period_label("jan_to_early_nov", 2022, lang="vi"), period_label("jan_to_early_nov", 2022, lang="en")
    ('tháng 1 – đầu tháng 11/2022', 'Jan – early Nov 2022')
    >>> period_label("q1_01dec2019_29feb2020", 2020, lang="en")
    'Q1 (1 Dec 2019 – 29 Feb 2020)'
    >>> period_label("to_2024_11_04", 2024, lang="vi"), period_label("avg_2015_2020", 2020, lang="en")
    ('đến 4/11/2024', '2015–2020 average')
    >>> period_label("to_end_aug_approx", 2022, lang="vi")
    'đến cuối tháng 8/2022, xấp xỉ'
    """
    import re

    lang = check_lang(lang)
    vi = lang == "vi"
    code = str(qualifier or "").strip().lower()
    approx = code.endswith("_approx")
    code = code.removesuffix("_approx")
    out = None
    if code == "":
        out = str(year)
    elif m := re.fullmatch(r"q([1-4])", code):
        out = f"quý {'I' * int(m[1]) if m[1] != '4' else 'IV'}/{year}" if vi else f"Q{m[1]} {year}"
    elif m := re.fullmatch(r"q([1-4])_(\d{2})([a-z]{3})(\d{4})_(\d{2})([a-z]{3})(\d{4})", code):
        a = _date_text(int(m[2]), _MONTH_CODES[m[3]], int(m[4]), lang)
        b = _date_text(int(m[5]), _MONTH_CODES[m[6]], int(m[7]), lang)
        out = f"quý {'I' * int(m[1])} ({a} – {b})" if vi else f"Q{m[1]} ({a} – {b})"
    elif code in _MONTH_CODES:
        out = f"tháng {_MONTH_CODES[code]}/{year}" if vi else f"{MONTHS_EN[_MONTH_CODES[code] - 1]} {year}"
    elif code == "jan_to_early_nov":
        out = f"tháng 1 – đầu tháng 11/{year}" if vi else f"Jan – early Nov {year}"
    elif m := re.fullmatch(r"to_(\d{4})_(\d{2})(?:_(\d{2}))?", code):
        day = int(m[3]) if m[3] else None
        out = ("đến " if vi else "to ") + _date_text(day, int(m[2]), int(m[1]), lang)
    elif m := re.fullmatch(r"to_(?:end_)?([a-z]{3})", code):
        end = "end_" in code
        month = _MONTH_CODES[m[1]]
        out = (
            f"đến {'cuối ' if end else ''}tháng {month}/{year}"
            if vi
            else f"to {'end ' if end else ''}{MONTHS_EN[month - 1]} {year}"
        )
    elif m := re.fullmatch(r"(\d{1,2})m", code):
        out = f"{m[1]} tháng đầu năm {year}" if vi else f"first {m[1]} months of {year}"
    elif m := re.fullmatch(r"ytd_(\d{4})", code):
        out = f"từ đầu năm {m[1]}" if vi else f"{m[1]} year to date"
    elif m := re.fullmatch(r"avg_(\d{4})_(\d{4})", code):
        out = f"trung bình {m[1]}–{m[2]}" if vi else f"{m[1]}–{m[2]} average"
    elif m := re.fullmatch(r"end_(\d{4})", code):
        out = f"cuối năm {m[1]}" if vi else f"end of {m[1]}"
    if out is None:  # an unknown code: its words, never the raw code with brackets and underscores
        out = f"{code.replace('_', ' ')} {year}"
    return out + ((", xấp xỉ" if vi else ", approx.") if approx else "")


def published_scope(name: str, *, lang: str = "vi") -> str:
    """Return the scope words of a published indicator name ("cấp huyện", …), "" when none.

    >>> published_scope("ontime_or_early_rate_district_level__q1", lang="en")
    'district level'
    >>> published_scope("welfare_btxh_paid_via_account_share__to_2025_10", lang="vi")
    'bảo trợ xã hội'
    >>> published_scope("online_payment_rate", lang="vi")
    ''
    """
    base = str(name).split("__")[0]
    i = LANGS.index(check_lang(lang))
    found = [pair[i] for key, pair in PUBLISHED_SCOPES.items() if f"_{key}" in base]
    return ", ".join(dict.fromkeys(found))


def place_label(name: str, *, lang: str = "vi") -> str:
    """Return a published figure's place in ``lang``: a province's name, or "Whole country" for "Toàn quốc".

    >>> place_label("Toàn quốc (khối bộ, ngành)", lang="en"), place_label("Lâm Đồng", lang="en")
    ('Whole country (ministries)', 'Lâm Đồng')
    """
    text = unicodedata.normalize("NFC", str(name))
    pair = PUBLISHED_PLACES.get(text)
    return pair[LANGS.index(check_lang(lang))] if pair else text
