"""Units of the synthetic sample province (code 77, Bà Rịa - Vũng Tàu): real names, synthetic codes.

The names of the provincial departments, the eight district-level units and a few of their communes are
public; the codes are a **synthetic scheme** (``77.S01`` departments, ``77.H01`` districts, ``77.H01.X01``
communes), not official codes.  The behaviour parameters (size, online propensity, lateness) are invented
to make the sample worth analysing and say nothing about the real agencies.
"""

from __future__ import annotations

import pandas as pd

PROVINCE_CODE = "77"
PROVINCE_NAME = "Tỉnh Bà Rịa - Vũng Tàu"

#: Unit level as the one-stop systems write it in the dossier ``catalog`` / ``CapDonVi`` field.
CATALOG = {"department": "so-ban-nganh", "district": "quan-huyen", "commune": "xa-phuong"}

#: Provincial departments: (name, relative size, late propensity, online offset on the logit scale).
#: Late propensity: 1 = typical; the few units above 3 are the sample's "chronically late" ones.
DEPARTMENTS: tuple[tuple[str, float, float, float], ...] = (
    ("Sở Kế hoạch và Đầu tư", 9.0, 0.6, 0.9),
    ("Sở Tài chính", 1.2, 0.8, 0.4),
    ("Sở Tư pháp", 6.0, 0.7, 0.3),
    ("Sở Xây dựng", 3.0, 5.0, -0.2),
    ("Sở Giao thông vận tải", 8.0, 0.9, 0.6),
    ("Sở Tài nguyên và Môi trường", 5.0, 7.0, -0.6),
    ("Sở Công Thương", 3.5, 0.8, 0.5),
    ("Sở Nông nghiệp và Phát triển nông thôn", 2.0, 1.2, -0.3),
    ("Sở Lao động - Thương binh và Xã hội", 3.0, 1.0, 0.0),
    ("Sở Y tế", 4.0, 1.6, 0.1),
    ("Sở Giáo dục và Đào tạo", 2.5, 0.5, 0.2),
    ("Sở Văn hóa và Thể thao", 1.0, 0.9, -0.1),
    ("Sở Du lịch", 0.8, 0.7, 0.2),
    ("Sở Thông tin và Truyền thông", 0.8, 0.4, 1.0),
    ("Sở Khoa học và Công nghệ", 0.6, 0.6, 0.4),
    ("Sở Nội vụ", 1.0, 0.8, -0.2),
    ("Sở Ngoại vụ", 0.4, 0.5, 0.0),
    ("Ban Quản lý các khu công nghiệp", 2.0, 1.0, 0.7),
    ("Ban Dân tộc", 0.2, 0.6, -0.8),
    ("Công an tỉnh", 4.0, 0.5, 0.3),
)

#: District-level units: (name, relative size, late propensity, online offset, communes).
DISTRICTS: tuple[tuple[str, float, float, float, tuple[str, ...]], ...] = (
    ("Thành phố Vũng Tàu", 6.0, 1.0, 0.5, ("Phường Thắng Tam", "Phường Rạch Dừa", "Xã Long Sơn")),
    ("Thành phố Bà Rịa", 4.0, 0.8, 0.4, ("Phường Phước Hiệp", "Xã Hòa Long")),
    ("Thị xã Phú Mỹ", 4.5, 1.3, 0.1, ("Phường Phú Mỹ", "Xã Tân Hòa")),
    ("Huyện Châu Đức", 3.5, 2.0, -0.4, ("Thị trấn Ngãi Giao", "Xã Kim Long")),
    ("Huyện Xuyên Mộc", 3.5, 4.5, -0.5, ("Thị trấn Phước Bửu", "Xã Bưng Riềng")),
    ("Huyện Long Điền", 2.5, 1.1, 0.0, ("Thị trấn Long Điền", "Thị trấn Long Hải")),
    ("Huyện Đất Đỏ", 2.0, 1.0, -0.2, ("Thị trấn Đất Đỏ", "Xã Phước Hội")),
    ("Huyện Côn Đảo", 0.5, 0.7, -0.6, ()),
)

#: Relative size of a commune (its own dossiers) and its late propensity and online offset.
COMMUNE_SIZE = 0.9
COMMUNE_LATE = 0.6
COMMUNE_ONLINE = -0.3


def build_units() -> pd.DataFrame:
    """Return the unit table of the sample province, in report order (departments, districts, communes).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit_code``, ``unit_name``, ``unit_level`` (department / district / commune),
        ``catalog`` (so-ban-nganh / quan-huyen / xa-phuong), ``parent_code``, ``size``, ``late``,
        ``online``.

    Examples
    --------
    >>> units = build_units()
    >>> units["unit_level"].value_counts().to_dict()
    {'department': 20, 'commune': 15, 'district': 8}
    >>> units.loc[units["unit_code"] == "77.H08", "unit_name"].item()
    'Huyện Côn Đảo'
    """
    rows = []
    for i, (name, size, late, online) in enumerate(DEPARTMENTS, start=1):
        rows.append((f"{PROVINCE_CODE}.S{i:02d}", name, "department", PROVINCE_CODE, size, late, online))
    for i, (name, size, late, online, _) in enumerate(DISTRICTS, start=1):
        rows.append((f"{PROVINCE_CODE}.H{i:02d}", name, "district", PROVINCE_CODE, size, late, online))
    for i, (_, _, _, online, communes) in enumerate(DISTRICTS, start=1):
        for j, cname in enumerate(communes, start=1):
            code = f"{PROVINCE_CODE}.H{i:02d}.X{j:02d}"
            rows.append(
                (code, cname, "commune", f"{PROVINCE_CODE}.H{i:02d}", COMMUNE_SIZE, COMMUNE_LATE,
                 COMMUNE_ONLINE + online / 2)
            )
    units = pd.DataFrame(
        rows, columns=["unit_code", "unit_name", "unit_level", "parent_code", "size", "late", "online"]
    )
    units["catalog"] = units["unit_level"].map(CATALOG)
    return units


def welfare_units() -> pd.DataFrame:
    """Return the units of the welfare report: every commune, and a district that has no communes listed.

    Each beneficiary belongs to exactly one of these units, so the province total is their sum.

    Examples
    --------
    >>> w = welfare_units()
    >>> len(w), sorted(w["unit_level"].unique())
    (16, ['commune', 'district'])
    """
    units = build_units()
    communes = units[units["unit_level"] == "commune"]
    districts = units[(units["unit_level"] == "district") & ~units["unit_code"].isin(communes["parent_code"])]
    return pd.concat([communes, districts], ignore_index=True)[["unit_code", "unit_name", "unit_level"]]
