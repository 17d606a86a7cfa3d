"""Words of the reviewer site (banner, navigation, index) in Vietnamese and English: one language per page."""

from __future__ import annotations

LANGS = ("vi", "en")

#: Site vocabulary: key -> (vi, en).
WORDS: dict[str, tuple[str, str]] = {
    "site": ("Trang rà soát", "Reviewer site"),
    "index": ("Mục lục", "Index"),
    "back_to_index": ("← Mục lục năm {year}", "← Index of {year}"),
    "other_pages": ("Các trang khác", "Other pages"),
    "synthetic": ("DỮ LIỆU TỔNG HỢP", "SYNTHETIC DATA"),
    "synthetic_note": (
        "Số liệu và biểu đồ trên trang này lấy từ tỉnh mẫu tổng hợp (mô phỏng), không phải số liệu thật.",
        "Numbers and figures on this page come from the synthetic sample province (simulated), not from real "
        "records.",
    ),
    "mixed_note": (
        "Trang này có cả số liệu tổng hợp (mô phỏng) và số liệu thật đã công bố; bảng Biểu đồ dưới đây "
        "ghi rõ "
        "từng biểu đồ thuộc loại nào.",
        "This page holds both synthetic (simulated) numbers and real published figures; the Figures table "
        "below "
        "says which each figure is.",
    ),
    "failed": ("LỖI", "FAILED"),
    "see_log": ("xem nhật ký", "see the log"),
    "parameters": ("Tham số", "Parameters"),
    "name": ("tên", "name"),
    "value": ("giá trị", "value"),
    "inputs": ("Dữ liệu đầu vào ({n} tệp)", "Input files ({n})"),
    "file": ("tệp", "file"),
    "role": ("vai trò", "role"),
    "kind": ("loại", "kind"),
    "export": ("dữ liệu xuất", "export"),
    "published": ("số liệu công bố", "published figures"),
    "targets": ("chỉ tiêu", "targets"),
    "crosswalk": ("bảng chuyển đổi tỉnh 2025", "2025 province crosswalk"),
    "real": ("thật", "real"),
    "synthetic_kind": ("tổng hợp", "synthetic"),
    "figures": ("Biểu đồ ({n})", "Figures ({n})"),
    "figure": ("biểu đồ", "figure"),
    "data": ("số liệu", "data"),
    "fig_real": ("thật — {source}", "real — {source}"),
    "fig_synthetic": ("tổng hợp (mô phỏng)", "synthetic (simulated)"),
    "files": ("tệp", "files"),
    "provenance": (
        "Commit {commit} · ngày chạy {date} · phiên bản: {versions}",
        "Commit {commit} · run date {date} · versions: {versions}",
    ),
    "runs": (
        "{n} lượt chạy, {failed} lỗi · commit {commit} · bắt đầu {started}",
        "{n} run(s), {failed} failed · commit {commit} · started {started}",
    ),
    "notebook": ("Sổ tính", "Notebook"),
    "unit": ("Đơn vị", "Unit"),
    "status": ("Trạng thái", "Status"),
    "seconds": ("Giây", "Seconds"),
    "links": ("Liên kết", "Links"),
    "error": ("Lỗi", "Error"),
    "ok": ("xong", "ok"),
    "page": ("trang", "page"),
    "ipynb": ("sổ tính (.ipynb)", "notebook (.ipynb)"),
    "log": ("nhật ký", "log"),
    "findings": ("Phát hiện chính", "Key findings"),
    "no_figures": ("Chưa có biểu đồ nào được ghi lại.", "No figures recorded."),
    "how_to_read": (
        "Mỗi trang là một sổ tính đã chạy, không có mã; đầu trang ghi tham số, các tệp dữ liệu kèm mã "
        "SHA-256 "
        "và từng biểu đồ là số liệu thật hay tổng hợp. Biểu đồ và bảng số liệu (PNG, SVG, CSV) nằm trong thư "
        "mục figures/ của mỗi đơn vị, nên có thể chép cả thư mục năm đi nơi khác.",
        "Each page is an executed notebook without its code; its top lists the parameters, the input files "
        "with their SHA-256 hashes and whether each figure is real or synthetic. Figures and their data "
        "(PNG, SVG, "
        "CSV) are in each unit's figures/ folder, so the year's folder can be copied anywhere.",
    ),
}


def word(key: str, lang: str, **values: object) -> str:
    """Return the site word ``key`` in ``lang`` (``vi`` for an unknown language), filled with ``values``.

    >>> word("back_to_index", "en", year=2024)
    '← Index of 2024'
    """
    text = WORDS[key][LANGS.index(lang) if lang in LANGS else 0]
    return text.format(**values) if values else text
