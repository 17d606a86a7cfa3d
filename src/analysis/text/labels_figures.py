"""More figure words: the percentage-point word, source lines, published-figure titles (added to ``LABELS``).

Imported by ``analysis.text`` itself, so :func:`analysis.text.label` knows these keys wherever it is used.
"""

from __future__ import annotations

from analysis.text.labels import LABELS

#: More figure and page vocabulary (vi, en); the points word is the one word for percentage points.
LABELS.update(
    {
        "points": ("điểm phần trăm", "pp"),
        "source_word": ("Nguồn", "Source"),
        "source_synthetic": (
            "tỉnh mẫu tổng hợp (số liệu mô phỏng, không phải số liệu thật)",
            "the synthetic sample province (simulated records, not real figures)",
        ),
        "source_published": (
            "số liệu do các tỉnh, bộ, ngành công bố ({n} nguồn: báo chí, cổng thông tin; tên, địa chỉ và "
            "trích "
            "dẫn từng số liệu trong data/published/published_indicators.csv)",
            "figures published by provinces and ministries ({n} sources: news and official portals; title, "
            "address and quote of each in data/published/published_indicators.csv)",
        ),
        # the crosswalk's sidecar (data/reference/province_crosswalk_2025.csv.meta.json): NSO conversion,
        # QĐ 19/2025/QĐ-TTg codes, effective 1 July 2025
        "source_crosswalk": (
            "bảng chuyển đổi 63 tỉnh cũ sang 34 tỉnh, thành phố từ 1/7/2025 (mã theo QĐ 19/2025/QĐ-TTg, bảng "
            "chuyển đổi của cơ quan thống kê; data/reference/province_crosswalk_2025.csv)",
            "the 63 → 34 province conversion table effective 1 July 2025 (codes of QĐ 19/2025/QĐ-TTg, the "
            "statistics office's conversion table; data/reference/province_crosswalk_2025.csv)",
        ),
        "source_exports": (
            "{n} tệp dữ liệu xuất trong {folder} (danh sách và mã SHA-256 trong manifest.json)",
            "{n} export files in {folder} (list and SHA-256 hashes in manifest.json)",
        ),
        "source_target": ("Chỉ tiêu", "Target"),
        "published_dossiers": (
            "Số liệu công bố của các tỉnh: hồ sơ đúng hạn, nộp và thanh toán trực tuyến",
            "Published figures across provinces: on-time, online and paid-online dossiers",
        ),
        "published_welfare": (
            "Số liệu công bố của các tỉnh: chi trả an sinh xã hội qua tài khoản",
            "Published figures across provinces: welfare payouts through accounts",
        ),
        "published_other": ("Số liệu công bố của các tỉnh", "Published figures across provinces"),
        "highlight_none": (
            "{name}: không có số liệu công bố theo các định nghĩa này.",
            "{name}: no published figure under these definitions.",
        ),
        "province_published": ("số liệu của tỉnh", "this province"),
        "other_published": ("tỉnh khác, toàn quốc", "other provinces, national"),
        "clearly_below": ("Dưới chỉ tiêu rõ rệt", "Clearly below target"),
        "published_rate": ("Tỷ lệ công bố", "Published rate"),
    }
)
