"""Label strings (Vietnamese / English) and number formatting for figures and findings."""

from __future__ import annotations

import math
import unicodedata

from analysis import indicators

LANGS = ("vi", "en")

#: Figure and findings vocabulary, one entry per key: (Vietnamese, English).
LABELS: dict[str, tuple[str, str]] = {
    "rate": ("Tỷ lệ", "Rate"),
    "year": ("Năm", "Year"),
    "month": ("Tháng", "Month"),
    "unit": ("Đơn vị", "Unit"),
    "agency": ("Cơ quan", "Agency"),
    "commune": ("Xã, phường", "Commune"),
    "province": ("Tỉnh, thành phố", "Province"),
    "target": ("Chỉ tiêu", "Target"),
    "this_year": ("Năm nay", "This year"),
    "last_year": ("Năm trước", "Last year"),
    "interval": ("Khoảng tin cậy 95 %", "95% confidence interval"),
    "prediction": ("Dự báo (khoảng dự báo 95 %)", "Projection (95% prediction interval)"),
    "overall": ("Tỷ lệ chung", "Overall rate"),
    "limit95": ("Giới hạn 95 %", "95% limits"),
    "limit998": ("Giới hạn 99,8 %", "99.8% limits"),
    "denominator": ("Số hồ sơ (mẫu số)", "Dossiers (denominator)"),
    "late_share": ("Tỷ lệ hồ sơ trễ hạn", "Share of dossiers resolved late"),
    "observed": ("Tỷ lệ theo tháng", "Monthly rate"),
    "trend": ("Xu hướng (đã khử mùa vụ)", "Trend (seasonally adjusted)"),
    "seasonal": ("Thành phần mùa vụ", "Seasonal component"),
    "mix": ("Thay đổi cơ cấu hồ sơ", "Change in the mix of dossiers"),
    "rate_effect": ("Thay đổi kết quả của đơn vị", "Change in units' performance"),
    "total": ("Tổng thay đổi", "Total change"),
    "total_short": ("Tổng", "Total"),
    "mix_short": ("Cơ cấu", "Mix"),
    "rate_short": ("Kết quả", "Performance"),
    "change": ("Thay đổi so với năm trước", "Change from last year"),
    "beneficiaries": ("Tổng số đối tượng", "All beneficiaries"),
    "with_account": ("Có tài khoản", "With an account"),
    "paid_account": ("Được chi trả qua tài khoản", "Paid through an account"),
    "group": ("Nhóm đối tượng", "Beneficiary group"),
    "people": ("Số người", "People"),
    "source": ("Nguồn", "Source"),
    "old_provinces": ("Số tỉnh cũ hợp nhất", "Pre-2025 provinces merged"),
    "new_province": ("Tỉnh, thành phố từ 1/7/2025", "Province from 1 July 2025"),
    "synthetic": ("DỮ LIỆU TỔNG HỢP", "SYNTHETIC DATA"),
    "trend_by_year": ("Xu hướng theo năm", "Trend by year"),
    "conventions": (
        "Hai cách tính cạnh nhau: Biểu 06 và QĐ 766",
        "Two conventions side by side: Biểu 06 and QĐ 766",
    ),
    "yoy": ("Năm nay so với năm trước", "This year against last year"),
    "funnel": ("Biểu đồ phễu", "Funnel plot"),
    "funnel_target": ("Biểu đồ phễu so với chỉ tiêu", "Funnel plot against the target"),
    "by.province": ("theo tỉnh", "by province"),
    "by.department": ("theo sở, ban, ngành", "by agency"),
    "by.district": ("theo huyện", "by district"),
    "by.commune": ("theo xã, phường", "by commune"),
    "family.timeliness": ("Giải quyết hồ sơ đúng hạn", "Dossier timeliness"),
    "family.online": ("Nộp hồ sơ trực tuyến", "Online submission"),
    "family.payment": ("Thanh toán trực tuyến", "Online payment"),
    "family.welfare": ("Chi trả an sinh xã hội qua tài khoản", "Social-welfare payouts to accounts"),
    "family.satisfaction": ("Hài lòng và phản ánh, kiến nghị", "Satisfaction and feedback"),
    "main_indicators": ("Các chỉ số chính", "Main indicators"),
    "decomposition": ("Thay đổi do cơ cấu và do kết quả", "Change from mix and from performance"),
    "seasonal_title": ("Mùa vụ theo tháng", "Seasonal pattern by month"),
    "projection_title": ("Xu hướng và dự báo", "Trend and projection"),
    "by_unit": ("Theo đơn vị", "By unit"),
    "no_data": ("Không có số liệu cho kỳ này.", "No counts for this period."),
    "no_previous": (
        "Không có kỳ trước để so sánh (năm đầu tiên của số liệu).",
        "No earlier period to compare with (the first year of the data).",
    ),
    "no_monthly": (
        "Không có số liệu theo tháng cho năm này (chỉ có báo cáo theo kỳ): không vẽ được.",
        "No monthly counts for this year (period reports only): nothing to draw.",
    ),
    "improved": ("cải thiện", "improved"),
    "stable": ("ổn định", "stable"),
    "no clear change": ("chưa rõ thay đổi", "no clear change"),
    "worsened": ("xấu đi", "worsened"),
    "not comparable": ("không so sánh được", "not comparable"),
    "improving": ("đang cải thiện", "improving"),
    "no clear trend": ("chưa rõ xu hướng", "no clear trend"),
    "worsening": ("đang xấu đi", "worsening"),
    "better": ("tốt hơn", "better"),
    "similar": ("tương đương", "similar"),
    "worse": ("kém hơn", "worse"),
    "all": ("Tất cả", "All"),
    "Low (0.001)": ("Thấp (0,001)", "Low (0.001)"),
    "Low (0.025)": ("Thấp (0,025)", "Low (0.025)"),
    "Not significant": ("Không khác biệt", "Not significant"),
    "High (0.025)": ("Cao (0,025)", "High (0.025)"),
    "High (0.001)": ("Cao (0,001)", "High (0.001)"),
    "BTXH": ("Bảo trợ xã hội", "Social protection (BTXH)"),
    "NCC": ("Người có công", "People with merit (NCC)"),
    "bieu06": ("Biểu 06 (đã giải quyết)", "Biểu 06 (resolved)"),
    "qd766": ("QĐ 766 (đã và đang xử lý)", "QĐ 766 (resolved and pending)"),
    "met": ("đạt", "met"),
    "not met": ("chưa đạt", "not met"),
    "unclear": ("chưa chắc chắn", "not clear"),
    "too_few_years": ("chưa đủ số năm để dự báo", "too few years to project"),
    "product_decomposition": (
        "Thay đổi tỷ lệ được chi trả qua tài khoản: do có tài khoản và do được chi trả",
        "Change in the share paid through an account: accounts held and holders paid",
    ),
    "alpha_effect": ("Do thêm đối tượng có tài khoản", "More beneficiaries holding an account"),
    "beta_effect": ("Do thêm người có tài khoản được chi trả", "More holders paid through their account"),
    "yearly history": ("lịch sử các năm", "yearly history"),
    "across units": ("giữa các đơn vị", "across units"),
    "monthly": ("theo tháng", "monthly"),
    "binomial": ("chỉ sai số ngẫu nhiên", "sampling only"),
    "method:yearly history": (
        "biến động giữa các năm, ước lượng từ các năm trước",
        "year-to-year variation estimated from the earlier years",
    ),
    "method:across units": ("độ phân tán thay đổi giữa các đơn vị", "the spread of the units' changes"),
    "method:monthly": (
        "biến động giữa các tháng (cú sốc chung cả năm không thấy được)",
        "month-to-month variation (a shock shared by a whole year is not visible)",
    ),
    "method:binomial": (
        "chỉ sai số ngẫu nhiên (không thấy biến động lớn hơn)",
        "sampling error only (no larger variation found)",
    ),
}

#: Plain-language phrases used in findings, with ``{}`` placeholders.
PHRASES: dict[str, tuple[str, str]] = {
    "projection_too_few": (
        "Không dự báo: có {years} năm trọn, cần ít nhất {need} năm để ước lượng biến động giữa các năm.",
        "No projection: {years} whole year(s); at least {need} are needed to estimate the year-to-year "
        "variation.",
    ),
    "yoy": (
        "{label}: {rate} {period} {year} so với {prev} {period} {prev_year} ({change}; {verdict}).",
        "{label}: {rate} in {year} against {prev} in {prev_year} ({change}; {verdict}).",
    ),
    "target": (
        "{label}: {rate} so với chỉ tiêu {target} ({status}).",
        "{label}: {rate} against the target of {target} ({status}).",
    ),
    "units_worse": (
        "{n} trên {total} đơn vị giảm sút rõ rệt so với năm trước{names}.",
        "{n} of {total} units worsened clearly from last year{names}.",
    ),
    "units_stable": (
        "{n} trên {total} đơn vị ổn định (thay đổi chắc chắn nhỏ hơn ±{m}).",
        "{n} of {total} units are stable (the change is surely smaller than ±{m}).",
    ),
    "variation": (
        "Khoảng tin cậy của thay đổi tính đến: {parts}; mức thay đổi nhỏ nhất có ý nghĩa thực tế: ±{m} "
        "(giả định của dự án).",
        "The change intervals allow for: {parts}; smallest change that matters: ±{m} (a project assumption).",
    ),
    "projection_none": (
        "{label}: {reason}, năm {year}.",
        "{label}: {reason}, {year}.",
    ),
    "product": (
        "Tỷ lệ được chi trả qua tài khoản thay đổi {total}: {alpha} do thêm đối tượng có tài khoản, "
        "{beta} do thêm người có tài khoản được chi trả qua tài khoản.",
        "The share paid through an account changed by {total}: {alpha} from more beneficiaries holding an "
        "account, {beta} from more holders being paid through it.",
    ),
    "units_better": (
        "{n} trên {total} đơn vị cải thiện rõ rệt so với năm trước.",
        "{n} of {total} units improved clearly from last year.",
    ),
    "funnel_low": (
        "{n} đơn vị thấp hơn tỷ lệ chung {p0} vượt mức ngẫu nhiên (ngoài giới hạn 99,8 %){names}.",
        "Units below the overall rate of {p0} by more than chance (outside the 99.8% limits): {n}{names}.",
    ),
    "funnel_low_target": (
        "{n} đơn vị thấp hơn chỉ tiêu {p0} vượt mức ngẫu nhiên (ngoài giới hạn 99,8 %){names}.",
        "Units below the target of {p0} by more than chance (outside the 99.8% limits): {n}{names}.",
    ),
    "decomposition": (
        "Thay đổi {total}: {rate_effect} do kết quả của đơn vị, {mix} do cơ cấu hồ sơ.",
        "Change of {total}: {rate_effect} from units' performance, {mix} from the mix of dossiers.",
    ),
    "projection": (
        "Dự báo năm {year}: {rate} (khoảng dự báo {lower} – "
        "{upper}); khả năng đạt chỉ tiêu {target}: {prob}.",
        "Projection for {year}: {rate} (prediction interval {lower} – {upper}); chance of reaching the "
        "{target} target: {prob}.",
    ),
    "projection_only": (
        "Dự báo năm {year}: {rate} (khoảng dự báo {lower} – {upper}).",
        "Projection for {year}: {rate} (prediction interval {lower} – {upper}).",
    ),
    "synthetic": (
        "Các con số trên tính từ dữ liệu tổng hợp (mô phỏng), không phải số liệu thật.",
        "These numbers come from synthetic (simulated) data, not real records.",
    ),
    "peers": (
        "{label}: {n} số liệu công bố, từ {low} đến {high} (số tỉnh và chuỗi toàn quốc: {k}).",
        "{label}: {n} published figures, from {low} to {high} (provinces and national series: {k}).",
    ),
    "merger": (
        "{old} (mã {old_code}) hợp nhất vào {new} (mã {new_code}) từ {date}, cùng {others}.",
        "{old} (code {old_code}) merged into {new} (code {new_code}) from {date}, with {others}.",
    ),
    "feedback_volume": (
        "{n} phản ánh, kiến nghị (PAKN) tiếp nhận {period} {year}; {on_time} PAKN được xử lý đúng hạn "
        "({share}).",
        "{n} feedback items (PAKN) received in {year}; {on_time} handled on time ({share}).",
    ),
    "target_assumed": (
        "Chỉ tiêu {target} là tỷ lệ hài lòng của tỉnh, nguồn không nêu định nghĩa; ở đây so sánh với "
        "chỉ số 5.4 của QĐ 766 (một giả định).",
        "The {target} target is the province's satisfaction rate, whose definition the source does not "
        "state; it is compared here with QĐ 766 indicator 5.4 (an assumption).",
    ),
    "welfare_stage": (
        "{group}: {total} đối tượng, {holders} có tài khoản "
        "({share}), {paid} được chi trả qua tài khoản ({paid_share}).",
        "{group}: {total} beneficiaries, {holders} with an "
        "account ({share}), {paid} paid through it ({paid_share}).",
    ),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported label language, else raise ``ValueError``.

    >>> check_lang("en")
    'en'
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def label(key: str, *, lang: str = "vi") -> str:
    """Return the label of ``key`` in ``lang`` (NFC); unknown keys are returned unchanged.

    >>> label("target", lang="vi")
    'Chỉ tiêu'
    >>> label("target", lang="en")
    'Target'
    """
    pair = LABELS.get(key)
    if pair is None:
        return unicodedata.normalize("NFC", str(key))
    return unicodedata.normalize("NFC", pair[LANGS.index(check_lang(lang))])


def phrase(key: str, *, lang: str = "vi", **values: object) -> str:
    """Fill the phrase ``key`` in ``lang`` with ``values`` (NFC)."""
    text = PHRASES[key][LANGS.index(check_lang(lang))].format(**values)
    return unicodedata.normalize("NFC", text)


def indicator_label(indicator_id: str, *, lang: str = "vi") -> str:
    """Return the registry label of an indicator in ``lang``.

    >>> indicator_label("payment.online", lang="en")
    'Dossiers paid online'
    """
    return unicodedata.normalize("NFC", indicators.get(indicator_id).label(check_lang(lang)))


def _group_digits(integer: str, sep: str) -> str:
    out = []
    for i, ch in enumerate(reversed(integer)):
        if i and i % 3 == 0:
            out.append(sep)
        out.append(ch)
    return "".join(reversed(out))


def format_number(value: float, *, lang: str = "vi", digits: int = 0) -> str:
    """Format a number with the thousands and decimal separators of ``lang``.

    Vietnamese writes 635.593 and 98,8; English writes 635,593 and 98.8.  NaN gives an en dash.

    >>> format_number(635593, lang="vi")
    '635.593'
    >>> format_number(635593, lang="en")
    '635,593'
    >>> format_number(-1234.5, lang="vi", digits=1)
    '-1.234,5'
    """
    check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(float(value)):.{digits}f}"
    integer, _, decimals = text.partition(".")
    thousands, decimal = (".", ",") if lang == "vi" else (",", ".")
    out = _group_digits(integer, thousands) + (decimal + decimals if decimals else "")
    return ("-" if float(value) < 0 and float(text) != 0 else "") + out


def format_percent(p: float, *, lang: str = "vi", digits: int = 1) -> str:
    """Format a proportion (0–1 scale) as a percentage: ``98,8 %`` (vi) or ``98.8%`` (en).

    >>> format_percent(0.988, lang="vi")
    '98,8 %'
    >>> format_percent(0.988, lang="en")
    '98.8%'
    >>> format_percent(float("nan"), lang="en")
    '–'
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    number = format_number(100 * float(p), lang=lang, digits=digits)
    return f"{number} %" if lang == "vi" else f"{number}%"


def format_points(d: float, *, lang: str = "vi", digits: int = 1) -> str:
    """Format a difference of proportions (0–1 scale) in percentage points, with its sign.

    >>> format_points(0.009, lang="vi")
    '+0,9 điểm phần trăm'
    >>> format_points(-0.012, lang="en")
    '-1.2 pp'
    """
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "–"
    number = format_number(100 * float(d), lang=lang, digits=digits)
    sign = "+" if not number.startswith("-") and round(100 * float(d), digits) != 0 else ""
    return f"{sign}{number} {label('points', lang=lang)}"


def format_interval(lower: float, upper: float, *, lang: str = "vi", digits: int = 1) -> str:
    """Format an interval of proportions, e.g. ``97,9–98,3 %`` (vi) or ``97.9–98.3%`` (en).

    >>> format_interval(0.979, 0.983, lang="en")
    '97.9–98.3%'
    """
    low = format_number(100 * float(lower), lang=lang, digits=digits)
    high = format_percent(upper, lang=lang, digits=digits)
    return f"{low}–{high}"


def number_formatter(*, lang: str = "vi", digits: int = 1):
    """Return a matplotlib tick formatter writing plain numbers with the separators of ``lang``."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_number(v, lang=lang, digits=digits))


def percent_formatter(*, lang: str = "vi", digits: int = 0):
    """Return a matplotlib tick formatter that writes proportions as percentages in ``lang``."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: format_percent(v, lang=lang, digits=digits))


def banner(*, synthetic: bool, unit_name: str, year: int, lang: str = "vi") -> str:
    """Markdown line opening a notebook's results: unit, year and, for synthetic data, a clear warning.

    >>> banner(synthetic=True, unit_name="Bà Rịa - Vũng Tàu", year=2024, lang="en")
    '**Bà Rịa - Vũng Tàu, 2024.** ⚠ **SYNTHETIC DATA**: simulated records, not real figures.'
    """
    head = f"**{unicodedata.normalize('NFC', unit_name)}, {year}.**"
    if not synthetic:
        return head
    warn = (
        "⚠ **DỮ LIỆU TỔNG HỢP**: số liệu mô phỏng, không phải số liệu thật."
        if check_lang(lang) == "vi"
        else "⚠ **SYNTHETIC DATA**: simulated records, not real figures."
    )
    return f"{head} {warn}"


__all__ = [
    "LABELS",
    "LANGS",
    "PHRASES",
    "banner",
    "check_lang",
    "format_interval",
    "format_number",
    "format_percent",
    "format_points",
    "indicator_label",
    "label",
    "number_formatter",
    "percent_formatter",
    "phrase",
]
