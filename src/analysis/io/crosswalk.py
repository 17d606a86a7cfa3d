"""The 2025 province crosswalk (63 gso2004 -> 34 nso2025 codes) and re-aggregation of Counts to new units."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.io.excel import decode_text, fold
from analysis.io.names import nfc
from analysis.paths import CROSSWALK_FILE
from analysis.provenance import verify_sidecar
from analysis.schemas import BREAKDOWN_COLUMNS, KEY_COLUMNS, finalise_counts

CROSSWALK_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "effective_date", "source_url"]
#: Name variants accepted when matching province names (crosswalk notes, "Uncertainties" §2).
NAME_VARIANTS = {
    "hoa binh": ("hoa binh",),
    "thua thien hue": ("thua thien - hue", "thua thien hue", "hue"),
    "ho chi minh": ("ho chi minh", "tp hcm", "tphcm", "tp. ho chi minh"),
}


def read_crosswalk(path: str | Path = CROSSWALK_FILE) -> pd.DataFrame:
    """Read the shipped crosswalk (sha256 checked against its sidecar) and check its shape.

    Returns
    -------
    pandas.DataFrame
        63 rows: ``old_code``, ``old_name``, ``new_code``, ``new_name``, ``effective_date``, ``source_url``;
        codes are two-digit strings.

    Raises
    ------
    InputError
        Missing sidecar or hash mismatch, missing columns, codes that are not two digits, an old code
        listed twice, or a count of provinces other than 63 -> 34.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("crosswalk file not found", path=path)
    verify_sidecar(path, required=True)
    text = decode_text(path.read_bytes(), path=path)
    import io

    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in CROSSWALK_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"crosswalk lacks column(s) {missing}; expected {CROSSWALK_COLUMNS}", path=path)
    for col in ("old_code", "new_code"):
        bad = df.index[~df[col].str.fullmatch(r"\d{2}")]
        if len(bad):
            raise InputError(
                f"expected a two-digit code, found {df.at[bad[0], col]!r}",
                path=path,
                row=int(bad[0]) + 2,
                column=col,
            )
    dup = df.index[df["old_code"].duplicated()]
    if len(dup):
        raise InputError("old code listed twice", path=path, row=int(dup[0]) + 2, column="old_code")
    if len(df) != 63 or df["new_code"].nunique() != 34:
        raise InputError(
            f"expected 63 old and 34 new provinces, found {len(df)} and {df['new_code'].nunique()}", path=path
        )
    for col in ("old_name", "new_name"):
        df[col] = df[col].map(nfc)
    return df


@lru_cache(maxsize=4)
def _names(path: str) -> tuple[tuple[str, str], ...]:
    df = read_crosswalk(path)
    pairs = []
    for code, name in zip(df["old_code"], df["old_name"], strict=True):
        key = fold(name)
        for variant in NAME_VARIANTS.get(key, (key,)):
            pairs.append((variant, code))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def province_code_in_text(text: str, *, path: str | Path = CROSSWALK_FILE) -> str | None:
    """Return the gso2004 code of the province named in ``text`` after "tỉnh" / "thành phố", or None.

    >>> province_code_in_text("UBND TỈNH BÀ RỊA - VŨNG TÀU")
    '77'
    """
    key = fold(text)
    if not key or not Path(path).is_file():
        return None
    for name, code in _names(str(path)):
        if re.search(r"(tinh|thanh pho|tp\.?)\s+" + re.escape(name) + r"(\W|$)", key):
            return code
    return None


def province_code(name: str, *, path: str | Path = CROSSWALK_FILE) -> str | None:
    """Return the gso2004 code of a province given by its short name (variants accepted), or None.

    >>> province_code("Bà Rịa - Vũng Tàu"), province_code("TP Hồ Chí Minh"), province_code("Toàn quốc")
    ('77', '79', None)
    """
    key = re.sub(r"^(tinh|thanh pho|tp\.?)\s+", "", fold(name))
    for variant, code in _names(str(path)):
        if key == variant:
            return code
    return None


def _units_to_provinces(df: pd.DataFrame, cw: pd.DataFrame) -> pd.DataFrame:
    """Replace gso2004 rows below province level by their sums per province (code prefix ``NN.``)."""
    sub = (df["code_system"] == "gso2004") & (df["unit_level"] != "province")
    units = df[sub].copy()
    prov = units["unit_code"].astype(str).str.extract(r"^(\d{2})[.-]", expand=False)
    if prov.isna().any():
        bad = units.loc[prov.isna(), "unit_code"].iloc[0]
        raise InputError(
            f"unit code {bad!r} does not start with a province code ('77.…'); cannot sum it into a province",
            column="unit_code",
        )
    if df[~sub & (df["unit_level"] == "province")].shape[0]:
        raise InputError("from_units=True but the table already has province rows; pass one or the other")
    units["unit_code"] = prov
    keys = [k for k in KEY_COLUMNS if k in units.columns] + [
        c for c in BREAKDOWN_COLUMNS if c in units.columns
    ]
    aggs = {"period_type": ("period_type", "first")} if "period_type" in units.columns else {}
    summed = (
        units.groupby(keys, dropna=False, sort=True)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            source=("source", lambda s: "; ".join(sorted(set(s)))),
            **aggs,
        )
        .reset_index()
    )
    names = dict(zip(cw["old_code"], cw["old_name"], strict=True))
    summed["unit_name"] = summed["unit_code"].map(names).fillna(summed["unit_code"])
    summed["unit_level"] = "province"
    return pd.concat([df[~sub], summed], ignore_index=True)


def to_2025_units(
    counts: pd.DataFrame,
    *,
    crosswalk: pd.DataFrame | None = None,
    require_complete: bool = False,
    from_units: bool = False,
) -> pd.DataFrame:
    """Re-aggregate province-level ``gso2004`` Counts to the 34 ``nso2025`` provinces.

    Numerators and denominators are summed over the old provinces that form each new one (every old
    province went whole into one new province, so the weights are 1); totals are kept. Rows already in
    ``nso2025`` and rows below province level are returned unchanged. The result has an extra column
    ``merged_from`` listing the old codes summed into each re-aggregated row.

    Parameters
    ----------
    counts
        A Counts table.
    crosswalk
        The crosswalk (default: the shipped one, hash-checked).
    from_units
        First sum the ``gso2004`` rows below province level into their province, taken from the unit code
        prefix (``77.S01`` -> ``77``), and use those sums (units without such a prefix are refused). Use it
        when the data hold units only, such as the sample; the unit rows themselves are then not returned.
    require_complete
        Raise when a new province is re-aggregated from only some of its old provinces (e.g. Bà Rịa -
        Vũng Tàu alone for new 79 Hồ Chí Minh); by default such rows are kept and ``merged_from`` shows it.

    Raises
    ------
    InputError
        Rate-only data (no numerator/denominator), an old code absent from the crosswalk, incomplete
        coverage with ``require_complete``, or a re-aggregated key that collides with an ``nso2025`` row.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [dict(indicator="online.submission", unit_code=c, unit_name=n, unit_level="province",
    ...              code_system="gso2004", period_start="2024-01-01", period_end="2024-12-31",
    ...              numerator=x, denominator=d, convention="qd766", source="t")
    ...         for c, n, x, d in [("74", "Bình Dương", 5, 10), ("77", "Bà Rịa - Vũng Tàu", 3, 4)]]
    >>> out = to_2025_units(pd.DataFrame(rows))
    >>> out[["unit_code", "unit_name", "numerator", "denominator", "merged_from"]].values.tolist()
    [['79', 'Hồ Chí Minh', 8, 14, '74+77']]
    """
    if not {"numerator", "denominator"} <= set(counts.columns):
        raise InputError(
            "to_2025_units needs counts (numerator and denominator); rates alone cannot be "
            "re-aggregated (the rate of a merged province is not the mean of its parts' rates)"
        )
    if counts["numerator"].isna().any() or counts["denominator"].isna().any():
        raise InputError(
            "to_2025_units needs counts in every row; found rows with a missing numerator or "
            "denominator (rate-only rows cannot be re-aggregated)"
        )
    cw = read_crosswalk() if crosswalk is None else crosswalk
    old_to_new = dict(zip(cw["old_code"], cw["new_code"], strict=True))
    new_names = dict(zip(cw["new_code"], cw["new_name"], strict=False))
    members = cw.groupby("new_code")["old_code"].apply(lambda s: sorted(s)).to_dict()
    df = counts.copy()
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["period_end"] = pd.to_datetime(df["period_end"])
    if from_units:
        df = _units_to_provinces(df, cw)
    sel = (df["code_system"] == "gso2004") & (df["unit_level"] == "province")
    keep, move = df[~sel], df[sel].copy()
    unknown = sorted(set(move["unit_code"]) - set(old_to_new))
    if unknown:
        raise InputError(
            f"province code(s) {unknown} are not gso2004 codes of the crosswalk; expected "
            "two-digit codes such as '77'",
            column="unit_code",
        )
    move["unit_code"] = move["unit_code"].map(old_to_new)
    move["_old"] = df.loc[sel, "unit_code"]
    keys = [k for k in KEY_COLUMNS if k != "code_system"] + [
        c for c in BREAKDOWN_COLUMNS if c in move.columns
    ]
    grouped = move.groupby(keys, dropna=False, sort=True)
    aggs = {"period_type": ("period_type", "first")} if "period_type" in move.columns else {}
    out = grouped.agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        **aggs,
        merged_from=("_old", lambda s: "+".join(sorted(set(s)))),
        source=("source", lambda s: "; ".join(sorted(set(s)))),
    ).reset_index()
    if require_complete:
        for _, r in out.iterrows():
            want = "+".join(members[r["unit_code"]])
            if r["merged_from"] != want:
                raise InputError(
                    f"new province {r['unit_code']} needs old provinces {want}, found only "
                    f"{r['merged_from']} ({r['indicator']}, {r['period_start']:%Y-%m-%d} to "
                    f"{r['period_end']:%Y-%m-%d})",
                    column="unit_code",
                )
    out["unit_name"] = out["unit_code"].map(new_names)
    out["unit_level"] = "province"
    out["code_system"] = "nso2025"
    extra = [c for c in keep.columns if c not in out.columns and c not in ("year", "month")]
    for c in extra:
        out[c] = pd.NA
    if "merged_from" not in keep.columns:
        keep = keep.assign(merged_from=pd.NA)
    both = pd.concat([keep.drop(columns=["year", "month"], errors="ignore"), out], ignore_index=True)
    if "period_type" in both.columns and both["period_type"].isna().any():
        both = both.drop(columns="period_type")
    try:
        return finalise_counts(both)
    except ValueError as exc:
        raise InputError(f"re-aggregated rows collide with existing nso2025 rows: {exc}") from None


def unit_name(counts: pd.DataFrame, unit: str) -> str:
    """Return the name of ``unit``: from its Counts rows, else the province crosswalk, else the code."""
    rows = counts.loc[counts["unit_code"] == unit, "unit_name"]
    if len(rows):
        return str(rows.iloc[0])
    if unit.isdigit() and len(unit) == 2:
        try:
            cw = read_crosswalk()
            match = cw.loc[cw["old_code"] == unit, "old_name"]
            if len(match):
                return str(match.iloc[0])
        except (InputError, ValueError, OSError):
            pass
    return unit
