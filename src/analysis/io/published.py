"""Published rates and targets (real, with source and quote): read them tidy and map them to registry ids."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.indicators import REGISTRY
from analysis.io.crosswalk import province_code
from analysis.io.excel import decode_text, fold
from analysis.paths import PUBLISHED_FILE, TARGETS_FILE
from analysis.provenance import verify_sidecar

PUBLISHED_COLUMNS = [
    "province",
    "year",
    "indicator",
    "value_percent",
    "target_percent",
    "target_source",
    "source_title",
    "source_url",
    "source_date",
    "quote",
]
TARGET_COLUMNS = [
    "indicator",
    "unit_code",
    "unit_name",
    "year",
    "target",
    "scope",
    "source",
    "quote",
    "code_system",
    "beneficiary_group",
    "published_indicator",
]

#: Published indicator names (the part before "__") -> registry id, where the definitions match.
#: Names not listed map to nothing. Reasons for each choice (DOMAIN.md sections in brackets):
REGISTRY_MAP = {
    # Provincial "đúng hạn (và trước hạn)" rates are of the Biểu 06 kind: (8 + 9) / (7) (§1.3; the Lâm Đồng
    # Q1/2020 division checks). Level subsets keep the definition; the row's scope says which level.
    "ontime_rate": "timeliness.on_time",
    "ontime_or_early_rate": "timeliness.on_time",
    "ontime_or_early_rate_approx": "timeliness.on_time",
    "ontime_or_early_rate_provincial_level": "timeliness.on_time",
    "ontime_or_early_rate_district_level": "timeliness.on_time",
    "ontime_or_early_rate_commune_level": "timeliness.on_time",
    "ontime_or_early_rate_district_commune": "timeliness.on_time",
    "ontime_rate_provincial_center": "timeliness.on_time",
    # NOT mapped: ..._denominator_due (Vĩnh Phúc: base = dossiers falling due), ..._online_dossiers_only (a
    # subset), ontime_rate__avg_2015_2020 is mapped by name but is a multi-year average (see qualifier).
    # Online dossier share; the sources do not state the base, the closest registry definition is QĐ 766
    # indicator 3.3 (online / received). NOT mapped: online_dossier_fullprocess_rate ("toàn trình", a
    # stricter measure, §1.4), online_dossier_rate_level3_4 (level-3/4 services only), dvctt_* (services,
    # not dossiers).
    "online_dossier_rate": "online.submission",
    "online_dossier_rate_provincial_agencies": "online.submission",
    "online_dossier_rate_district_level": "online.submission",
    "online_dossier_rate_commune_level": "online.submission",
    "online_dossier_rate_provincial_center": "online.submission",
    # Online payment share (QĐ 766 indicator 3.6). NOT mapped: online_payment_txn_success_rate_dvcqg
    # (transaction success, a different measure).
    "online_payment_rate": "payment.online",
    "online_payment_rate_dvcqg": "payment.online",
    # Welfare: the three rates of §1.5. NOT mapped: *_denominator_unspecified (the base is not stated),
    # welfare_cashless_payout_rate_* (cashless includes non-account channels), amount shares.
    "welfare_account_holder_share": "welfare.account_share",
    "welfare_paid_via_account_share_of_all_beneficiaries": "welfare.paid_share",
    "welfare_paid_via_account_share_of_account_holders": "welfare.paid_of_holders",
    "welfare_btxh_account_and_optin_share": "welfare.account_share",
    "welfare_btxh_paid_via_account_share": "welfare.paid_share",
    "welfare_nguoicocong_account_and_optin_share": "welfare.account_share",
    "welfare_nguoicocong_paid_via_account_share": "welfare.paid_share",
    "welfare_nguoicocong_account_opened_share": "welfare.account_share",
    # Satisfaction: the 2023 BRVT review's "tỷ lệ hài lòng ... 87,06%" (HĐND target 87 %) states no
    # definition; it cannot be a share of the review's 333 PAKN (289/333 = 86.79 %, 290/333 = 87.09 %), so
    # it is compared with QĐ 766 indicator 5.4, an assumption of this project
    # (analysis.indicators.SATISFACTION_ASSUMPTION).
    "satisfaction_rate": "satisfaction.dossiers",
}
#: Targets (rows of the published CSV with a target) kept OUT of read_targets, with the reason. Row numbers
#: are 0-based data rows of published_indicators.csv; the mapping of the others follows REGISTRY_MAP.
TARGET_EXCLUDED = {
    49: "'toàn trình' online dossiers: stricter than QĐ 766 indicator 3.3 (DOMAIN.md §1.4)",
    50: "'toàn trình' online dossiers: stricter than QĐ 766 indicator 3.3 (DOMAIN.md §1.4)",
    51: "'toàn trình' online dossiers: stricter than QĐ 766 indicator 3.3 (DOMAIN.md §1.4)",
    56: "share of online services with dossiers, not of dossiers: no registry indicator",
    57: "online dossier share as of April 2023: base not stated in the source, so not shown to match 3.3",
    64: "base is dossiers resolved ('trên tổng số hồ sơ giải quyết'), not received as in QĐ 766 3.3",
    65: "level-3/4 online services only ('mức độ 3, mức độ 4'), not all online dossiers",
    81: "base is eligible beneficiaries ('đủ điều kiện') and includes registration, not all beneficiaries",
    82: "share of the amount paid, not of beneficiaries",
    83: "cashless payment methods, which include non-account channels; base not stated",
    85: "cashless payment methods, which include non-account channels",
}
NATIONAL = "toan quoc"


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("file not found", path=path)
    verify_sidecar(path, required=True)
    df = pd.read_csv(io.StringIO(decode_text(path.read_bytes(), path=path)), dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}; expected {columns}", path=path)
    return df


def _percent(df: pd.DataFrame, col: str, path: Path) -> pd.Series:
    out = pd.to_numeric(df[col].replace("", pd.NA), errors="coerce")
    bad = df.index[df[col].ne("") & out.isna()]
    if len(bad):
        raise InputError(
            f"expected a percentage, found {df.at[bad[0], col]!r}", path=path, row=int(bad[0]) + 2, column=col
        )
    over = df.index[(out < 0) | (out > 100)]
    if len(over):
        raise InputError(f"expected 0-100, found {out[over[0]]}", path=path, row=int(over[0]) + 2, column=col)
    return out / 100


def _group(name: str) -> str | None:
    return "BTXH" if "_btxh_" in name else "NCC" if "_nguoicocong_" in name else None


def read_published(path: str | Path = PUBLISHED_FILE) -> pd.DataFrame:
    """Read the published rates (no counts) as a tidy table on the 0-1 scale, sha256 checked.

    Returns
    -------
    pandas.DataFrame
        ``province``, ``unit_code`` (gso2004 code, empty for national rows), ``year``, ``indicator`` (the
        published name), ``qualifier`` (period or scope qualifier after ``__``), ``registry_id`` (or None),
        ``beneficiary_group``, ``value`` and ``target`` (0-1, NaN when absent), ``target_source``,
        ``source_title``, ``source_url``, ``source_date``, ``quote``.

    Raises
    ------
    InputError
        Missing sidecar or hash mismatch, missing columns, values that are not percentages in 0-100.
    """
    path = Path(path)
    df = _read_csv(path, PUBLISHED_COLUMNS)
    base = df["indicator"].str.split("__").str[0]
    out = pd.DataFrame(
        {
            "province": df["province"],
            "unit_code": [province_code(p) or "" for p in df["province"]],
            "year": pd.to_numeric(df["year"], errors="raise").astype("int64"),
            "indicator": df["indicator"],
            "qualifier": df["indicator"].str.split("__").str[1].fillna(""),
            "registry_id": base.map(REGISTRY_MAP),
            "beneficiary_group": [_group(n) for n in df["indicator"]],
            "value": _percent(df, "value_percent", path),
            "target": _percent(df, "target_percent", path),
            "target_source": df["target_source"],
            "source_title": df["source_title"],
            "source_url": df["source_url"],
            "source_date": df["source_date"],
            "quote": df["quote"],
        }
    )
    out["registry_id"] = out["registry_id"].astype(object).where(out["registry_id"].notna(), None)
    return out


def targets_from_published(published: pd.DataFrame) -> pd.DataFrame:
    """Derive the targets table (all targets, registry id where it maps) from :func:`read_published`.

    Unmatched targets keep their published name in ``indicator`` (``TARGET_EXCLUDED`` gives the reason).
    """
    rows = []
    for i, r in published[published["target"].notna()].iterrows():
        mapped = r["registry_id"] if i not in TARGET_EXCLUDED else None
        national = fold(r["province"]).startswith(NATIONAL)
        rows.append(
            {
                "indicator": mapped or r["indicator"],
                "unit_code": "" if national else r["unit_code"],
                "unit_name": r["province"],
                "year": int(r["year"]),
                "target": round(float(r["target"]), 6),
                "scope": ("national" if national else "province")
                + (f" ({r['province']})" if "(" in r["province"] else ""),
                "source": f"{r['target_source']}; {r['source_title']}; {r['source_url']}",
                "quote": r["quote"],
                "code_system": "" if national else "gso2004",
                "beneficiary_group": r["beneficiary_group"]
                if isinstance(r["beneficiary_group"], str)
                else "",
                "published_indicator": r["indicator"],
            }
        )
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def read_targets(path: str | Path = TARGETS_FILE) -> pd.DataFrame:
    """Read the targets (HĐND and national, with sources) whose indicator is a registry id, sha256 checked.

    Returns
    -------
    pandas.DataFrame
        ``indicator`` (registry id), ``unit_code`` (empty = national), ``unit_name``, ``year``, ``target``
        (0-1), ``scope``, ``source``, ``quote``, ``code_system``, ``beneficiary_group``,
        ``published_indicator``. Targets that match no registry definition stay in the file but not here.
    """
    path = Path(path)
    df = _read_csv(path, TARGET_COLUMNS)
    target = pd.to_numeric(df["target"], errors="coerce")
    bad = df.index[target.isna() | (target < 0) | (target > 1)]
    if len(bad):
        raise InputError(
            f"expected a target in 0-1, found {df.at[bad[0], 'target']!r}",
            path=path,
            row=int(bad[0]) + 2,
            column="target",
        )
    df["target"] = target
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype("int64")
    return df[df["indicator"].isin(list(REGISTRY))].reset_index(drop=True)
