"""Registry of the indicators: id, family, labels, numerator and denominator definitions, source.

Definitions come from ``DOMAIN.md`` (QĐ 766/QĐ-TTg formula note, Biểu số 06/VPCP/KSTT of Thông tư
01/2020/TT-VPCP, Đề án 06 reports; the satisfaction family is QĐ 766 group 5 "Mức độ hài lòng", 18 of 100
points, its decisions in :data:`SATISFACTION_ASSUMPTION`).  A series never mixes conventions: ``convention``
is part of the key.
"""

from __future__ import annotations

from dataclasses import dataclass

SRC_BIEU06 = "Biểu số 06/VPCP/KSTT, Thông tư 01/2020/TT-VPCP (21/10/2020), columns 7-13"
SRC_766 = (
    "Quyết định 766/QĐ-TTg (23/06/2022), Phụ lục; formula note 'Mô tả công thức tính chỉ số 766' "
    "(DOMAIN.md §1.1)"
)
SRC_REVIEW_2023 = (
    "Hội nghị tổng kết công tác CCHC, chuyển đổi số năm 2023, UBND tỉnh Bà Rịa - Vũng Tàu, 27/01/2024 "
    "(data/published/source_documents/brvt_2023_par_review_vi.txt)"
)
SRC_WELFARE = (
    "Đề án 06 (QĐ 06/QĐ-TTg, 06/01/2022); Chỉ thị 21/CT-TTg (25/11/2022); rates as published by "
    "Tổ công tác Đề án 06 (DOMAIN.md §1.5)"
)


@dataclass(frozen=True)
class Indicator:
    """One indicator: a proportion with a stated numerator and denominator.

    ``stock`` is True when the indicator counts dossiers standing at the period end (pending), so
    monthly rows cannot be summed into a year; flows (resolved, received, paid) can.

    ``materiality`` is the smallest change that matters, on the 0–1 scale (0.005 = 0.5 percentage
    points).  It is **an assumption of this project**, not a figure from a source (see
    :data:`MATERIALITY_ASSUMPTION`); verdicts use it to tell "stable" from "no clear change", and a run
    can override it.
    """

    id: str
    family: str
    label_vi: str
    label_en: str
    numerator_vi: str
    numerator_en: str
    denominator_vi: str
    denominator_en: str
    convention: str
    higher_is_better: bool
    source: str
    stock: bool = False
    materiality: float = 0.01

    def label(self, lang: str = "vi") -> str:
        """Return the label in ``lang`` ("vi" or "en")."""
        return self.label_vi if lang == "vi" else self.label_en


REGISTRY: dict[str, Indicator] = {
    i.id: i
    for i in [
        Indicator(
            "timeliness.on_time", "timeliness",
            "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", "Dossiers resolved early or on time",
            "Số hồ sơ đã giải quyết trước hạn + đúng hạn (cột 8 + 9)",
            "Resolved early + on time (columns 8 + 9)",
            "Số hồ sơ đã giải quyết (cột 7)", "Resolved dossiers (column 7)",
            "bieu06", True, SRC_BIEU06, materiality=0.005,
        ),
        Indicator(
            "timeliness.on_time_766", "timeliness",
            "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn (QĐ 766, chỉ số 2.1)",
            "Dossiers processed early or on time (QĐ 766, indicator 2.1)",
            "Số hồ sơ đã và đang xử lý đúng hạn hoặc trong hạn trong kỳ",
            "Dossiers resolved on time or still pending within time in the period",
            "Tổng số hồ sơ được tiếp nhận, xử lý trong kỳ",
            "Dossiers received or being processed in the period",
            "qd766", True,
            SRC_766 + "; supplement pauses subtracted, more than one supplement request = overdue, "
            "null due date = no deadline, pending dossiers end on the last day of the period",
            stock=True, materiality=0.005,
        ),
        Indicator(
            "timeliness.overdue_pending", "timeliness",
            "Tỷ lệ hồ sơ đang giải quyết quá hạn", "Pending dossiers that are overdue",
            "Số hồ sơ đang giải quyết quá hạn (cột 13)", "Pending overdue (column 13)",
            "Số hồ sơ đang giải quyết (cột 11)", "Pending dossiers (column 11)",
            "bieu06", False, SRC_BIEU06, stock=True, materiality=0.005,
        ),
        Indicator(
            "online.submission", "online",
            "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Dossiers received online",
            "Số hồ sơ tiếp nhận trực tuyến trong kỳ (cột 4; KenhThucHien = 2)",
            "Received online in the period (column 4; KenhThucHien = 2)",
            "Số hồ sơ mới tiếp nhận trong kỳ (cột 4 + 5)", "Received in the period (columns 4 + 5)",
            "qd766", True, SRC_766 + ", indicator 3.3 (channel codes 1 trực tiếp, 2 trực tuyến, 3 BCCI)",
        ),
        Indicator(
            "payment.online", "payment",
            "Tỷ lệ hồ sơ thanh toán trực tuyến", "Dossiers paid online",
            "Số hồ sơ được thanh toán trực tuyến (DuocThanhToanTrucTuyen = 1 hoặc 2)",
            "Dossiers paid online (DuocThanhToanTrucTuyen = 1 or 2)",
            "Số hồ sơ thuộc TTHC có phí, lệ phí, trừ hồ sơ có phí bằng 0",
            "Dossiers of fee-bearing procedures, excluding zero-fee dossiers",
            "qd766", True, SRC_766 + ", indicator 3.6",
        ),
        Indicator(
            "welfare.account_share", "welfare",
            "Tỷ lệ đối tượng có tài khoản", "Beneficiaries with an account",
            "Số đối tượng có tài khoản", "Beneficiaries with an account",
            "Tổng số đối tượng", "All beneficiaries",
            "de_an_06", True, SRC_WELFARE + "; rate 1 of DOMAIN.md §1.5",
        ),
        Indicator(
            "welfare.paid_share", "welfare",
            "Tỷ lệ đối tượng được chi trả qua tài khoản", "Beneficiaries paid through an account",
            "Số đối tượng được chi trả qua tài khoản", "Beneficiaries paid through an account",
            "Tổng số đối tượng", "All beneficiaries",
            "de_an_06", True, SRC_WELFARE + "; rate 2 of DOMAIN.md §1.5",
        ),
        Indicator(
            "welfare.paid_of_holders", "welfare",
            "Tỷ lệ chi trả qua tài khoản trên số có tài khoản", "Account holders paid through their account",
            "Số đối tượng được chi trả qua tài khoản", "Beneficiaries paid through an account",
            "Số đối tượng có tài khoản", "Beneficiaries with an account",
            "de_an_06", True, SRC_WELFARE + "; rate 3 of DOMAIN.md §1.5",
        ),
        Indicator(
            "feedback.on_time", "satisfaction",
            "Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn", "Feedback (PAKN) handled on time",
            "Số PAKN tiếp nhận trong kỳ đã trả lời trong hạn xử lý, hoặc chưa trả lời nhưng chưa đến hạn tại "
            "ngày cuối của số liệu",
            "Feedback items received in the period answered by their due date, or unanswered but not yet due "
            "at the data end",
            "Số PAKN tiếp nhận trong kỳ", "Feedback items received in the period",
            "qd766", True,
            SRC_766 + ", indicator 5.3 (its 'quá hạn' part, counted on its own); the 2023 review reports "
            "\"xử lý kịp thời 333 phản ánh, kiến nghị ... đạt 100%\" (" + SRC_REVIEW_2023 + ")",
            materiality=0.01,
        ),
        Indicator(
            "satisfaction.feedback", "satisfaction",
            "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị (QĐ 766, chỉ số 5.3)",
            "Satisfaction in handling feedback (QĐ 766, indicator 5.3)",
            "Tổng số PAKN trừ số PAKN bị phản hồi không hài lòng hoặc quá hạn",
            "Feedback items minus those with a 'not satisfied' response or overdue",
            "Tổng số PAKN tiếp nhận trong kỳ", "Feedback items received in the period",
            "qd766", True,
            SRC_766 + ", indicator 5.3: \"(Tổng số PAKN – Số bị phản hồi trạng thái không hài lòng ... hoặc "
            "quá hạn)/Tổng số phản ánh, kiến nghị *100%\"; no response = not dissatisfied (see "
            "SATISFACTION_ASSUMPTION)",
            materiality=0.01,
        ),
        Indicator(
            "satisfaction.dossiers", "satisfaction",
            "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC (QĐ 766, chỉ số 5.4)",
            "Satisfaction in receiving and resolving dossiers (QĐ 766, indicator 5.4)",
            "Số hồ sơ đã giải quyết trong kỳ không quá hạn, không có PAKN và không bị đánh giá dislike",
            "Dossiers resolved in the period neither late nor with a feedback item or a dislike rating",
            "Số hồ sơ đã giải quyết trong kỳ", "Dossiers resolved in the period",
            "qd766", True,
            SRC_766 + ", indicator 5.4: \"=100%- (Tỷ lệ hồ sơ giải quyết quá hạn + Tỷ lệ hồ sơ TTHC có phản "
            "ánh, kiến nghị hoặc đánh giá dislike)\", written as counts by this project (a dossier both late "
            "and flagged counted once; see SATISFACTION_ASSUMPTION)",
            materiality=0.01,
        ),
    ]
}

FAMILIES = ("timeliness", "online", "payment", "welfare", "satisfaction")

#: Why the materialities are what they are: shown to users beside every verdict.
MATERIALITY_ASSUMPTION = (
    "Assumption of this project (not from a source): the smallest change that matters is 0.5 percentage "
    "points for rates that sit near 99 % or near 1 % (on-time resolution, overdue pending dossiers), where a "
    "1-point move would be large, and 1 percentage point elsewhere. Feedback handled on time also sits near "
    "100 %, but on a few hundred items a year one item moves it by about 0.3 points, so 0.5 points would be "
    "under two items: it keeps 1 point, as do the two satisfaction rates (QĐ 766 5.3, 5.4). Override per run "
    "where a province's own targets say otherwise."
)

#: How the satisfaction family (QĐ 766 group 5) turns the formulas into counts: shown with its results.
SATISFACTION_ASSUMPTION = (
    "Decisions of this project (the formula note gives the formulas, not these details): "
    "(1) A feedback item (PAKN) belongs to the period it was received in; its status is taken at the data "
    "end (the latest date in the export, or data_end=): overdue = answered after its due date, or unanswered "
    "and past its due date at the data end. "
    "(2) 5.3 subtracts only items with a 'không hài lòng' (not satisfied) response or overdue: an item the "
    "citizen did not respond to counts as not dissatisfied, as the formula reads. "
    "(3) 5.4 is '100 % − (late share + share with PAKN or dislike)'; as counts, numerator = dossiers "
    "resolved in the period that are neither late nor carry a PAKN or a dislike rating, denominator = "
    "dossiers resolved in the period (the base of both shares, which the formula does not state). A dossier "
    "both late and flagged is subtracted once, so the rate is higher than the formula's by the share of such "
    "dossiers (none when no dossier is both). Late = finished after the due date plus the supplement pause, "
    "as Biểu 06 column (10). "
    "(4) The 2023 review's 'tỷ lệ hài lòng ... 87,06%' does not state its definition; it cannot be a share "
    "of the review's 333 PAKN (289/333 = 86.79 %, 290/333 = 87.09 %), so the project compares it, and the "
    "HĐND target of 87 %, with 5.4."
)


def get(indicator_id: str) -> Indicator:
    """Return the registered indicator, or raise ``KeyError`` listing the known ids."""
    try:
        return REGISTRY[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(REGISTRY)}") from None


def higher_is_better(indicator_id: str) -> bool:
    """Return the indicator's direction (True when a higher rate is better)."""
    return get(indicator_id).higher_is_better
