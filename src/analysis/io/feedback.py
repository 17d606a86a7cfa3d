"""Reader of feedback (PAKN) exports and dossier ratings: Counts of the satisfaction family (QĐ 766 group 5).

Two per-record files, told apart by their header (``docs/DATA_FORMATS.md`` §5):

- a **feedback export**, one row per phản ánh, kiến nghị (PAKN) as the national portal's PAKN system and the
  one-stop systems list them: id, unit, received, due and answered dates, the citizen's response (hài lòng /
  không hài lòng / none) → ``feedback.on_time`` and ``satisfaction.feedback`` (5.3);
- a **ratings file**, one row per resolved dossier: the dossier columns of §1 (``MaHoSo``, unit,
  ``NgayHenTra``, ``NgayKetThucXuLy``, supplement dates) plus the rating (like / dislike / none) and a PAKN
  flag → ``satisfaction.dossiers`` (5.4).

How the formulas become counts is written down in :data:`analysis.indicators.SATISFACTION_ASSUMPTION`.
Files are small (hundreds of PAKN, a province's resolved dossiers per year): ``analysis.io.records`` reads
them whole with pandas; every check refuses the file with one :class:`InputError` naming file, sheet, row and
column.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.io import periods, records
from analysis.io.dossiers.columns import ALIASES
from analysis.io.payment766 import finalise
from analysis.provenance import source_id, verify_sidecar

_UNIT = {k: ALIASES[k] for k in ("unit_code", "unit_name", "unit_level")}
#: Feedback export: canonical name -> accepted column names. Matching ignores case, diacritics, spaces and
#: "_", so "Ngày tiếp nhận" matches ``NgayTiepNhan``. No published schema of the PAKN export was found
#: (DOMAIN.md §3 lists none): the names follow the dossier export's conventions (an assumption).
FEEDBACK_ALIASES: dict[str, tuple[str, ...]] = {
    "item_id": ("MaPAKN", "maPAKN", "MaPhanAnh", "Mã phản ánh kiến nghị"),
    **_UNIT,
    "received_at": ALIASES["received_at"],
    "due_at": ("HanXuLy", "hanXuLy", "HanTraLoi", "Hạn giải quyết"),
    "answered_at": ("NgayTraLoi", "ngayTraLoi", "NgayXuLyXong", "Ngày hoàn thành"),
    "response": ("KetQuaDanhGia", "ketQuaDanhGia", "PhanHoiCuaNguoiDan", "Mức độ hài lòng"),
    "dossier_id": ALIASES["dossier_id"],
}
FEEDBACK_REQUIRED = ("item_id", "unit_code", "received_at", "due_at", "answered_at", "response")
#: Ratings file: the dossier columns of §1 (one alias table) plus the rating and the PAKN flag.
RATING_ALIASES: dict[str, tuple[str, ...]] = {
    "dossier_id": ALIASES["dossier_id"],
    **_UNIT,
    **{k: ALIASES[k] for k in ("due_at", "finished_at", "supplement_requested_at", "supplement_provided_at")},
    "rating": ("DanhGia", "danhGia", "DanhGiaHaiLong", "Đánh giá của người dân"),
    "has_feedback": ("CoPAKN", "coPAKN", "CoPhanAnhKienNghi"),
}
RATING_REQUIRED = ("dossier_id", "unit_code", "due_at", "finished_at", "rating", "has_feedback")
#: Folded cell text -> response status of a PAKN (blank = no response).
RESPONSES = {
    **dict.fromkeys(("hai long", "rat hai long", "satisfied"), "satisfied"),
    **dict.fromkeys(("khong hai long", "not satisfied", "dissatisfied"), "not_satisfied"),
    **dict.fromkeys(("", "chua phan hoi", "khong phan hoi", "chua danh gia", "no response"), "none"),
}
#: Folded cell text -> dossier rating (QĐ 766 5.4 counts "dislike"; blank = not rated).
RATINGS = {
    **dict.fromkeys(("like", "hai long", "rat hai long"), "like"),
    **dict.fromkeys(("dislike", "khong hai long"), "dislike"),
    **dict.fromkeys(("", "chua danh gia", "khong danh gia"), "none"),
}
#: Folded cell text -> PAKN flag of a dossier (blank = no PAKN).
FLAGS = {"1": True, "1.0": True, "true": True, "co": True, "x": True,
         "0": False, "0.0": False, "false": False, "khong": False, "": False}
KINDS = {"feedback": (FEEDBACK_ALIASES, FEEDBACK_REQUIRED), "ratings": (RATING_ALIASES, RATING_REQUIRED)}
#: Per kind: the dates statuses are judged against (the latest is the default data end), the indicators.
DATES = {"feedback": ["received", "answered"], "ratings": ["finished"]}
INDICATORS = {"feedback": ["feedback.on_time", "satisfaction.feedback"], "ratings": ["satisfaction.dossiers"]}
HINT = ("no feedback header found: expected a PAKN id column (MaPAKN / Mã PAKN) for a feedback export, "
        "or a rating column (DanhGia / Đánh giá) with MaHoSo for a ratings file")


def parse_feedback(df: pd.DataFrame, cols: dict, where: dict) -> pd.DataFrame:
    """Check one feedback table; return per PAKN: units, id, received, due, answered, response, row."""
    ids = records.text(df["item_id"])
    records.fail(ids == "", df, "empty PAKN id", where, cols["item_id"])
    received = records.dates(df, "received_at", cols, where, required=True)
    due = records.dates(df, "due_at", cols, where, required=True)
    answered = records.dates(df, "answered_at", cols, where, required=False)
    response = records.coded(df, "response", RESPONSES, cols, where, "response")
    records.fail(due < received, df, "due date before the received date", where, cols["due_at"])
    records.fail(answered < received, df, "answered before it was received", where, cols["answered_at"])
    records.fail(answered.isna() & (response != "none"), df,
          "a citizen's response to a PAKN without an answer date", where, cols["response"])
    return records.units(df, cols, where).assign(
        _id=ids, received=received, due=due, answered=answered, response=response, _row=df["_row"],
        _sheet=where.get("sheet"), _idcol=cols["item_id"], _col_received=cols["received_at"],
        _col_answered=cols["answered_at"],
    )


def parse_ratings(df: pd.DataFrame, cols: dict, where: dict) -> pd.DataFrame:
    """Check one ratings table; return per resolved dossier: units, id, finished, late, rating, PAKN flag."""
    ids = records.text(df["dossier_id"])
    records.fail(ids == "", df, "empty dossier id", where, cols["dossier_id"])
    due = records.dates(df, "due_at", cols, where, required=False)
    finished = records.dates(df, "finished_at", cols, where, required=True)
    req = records.dates(df, "supplement_requested_at", cols, where, required=False)
    prov = records.dates(df, "supplement_provided_at", cols, where, required=False)
    if "supplement_provided_at" in cols:
        records.fail(prov < req, df, "supplement provided before it was requested", where,
              cols["supplement_provided_at"])
    rating = records.coded(df, "rating", RATINGS, cols, where, "rating")
    has_pakn = records.coded(df, "has_feedback", FLAGS, cols, where, "PAKN flag").astype(bool)
    stop = prov.where(prov.notna() & (prov < finished), finished)
    pause = (stop - req).where(req.notna() & (req <= finished), pd.Timedelta(0))
    late = due.notna() & (finished - due > pause)
    return records.units(df, cols, where).assign(
        _id=ids, finished=finished, late=late, rating=rating, flagged=has_pakn, _row=df["_row"],
        _sheet=where.get("sheet"), _idcol=cols["dossier_id"], _col_finished=cols["finished_at"],
    )


def _as_of(parsed: pd.DataFrame, columns: list[str], given, path: Path) -> pd.Timestamp:
    """Return the day statuses are taken at: ``data_end`` (no date may be later), else the latest date."""
    if given is None:
        return max(parsed[c].max() for c in columns if parsed[c].notna().any())
    given = pd.Timestamp(given)
    for c in columns:
        late = parsed[c] > given
        if late.any():
            r = parsed[late].iloc[0]
            raise InputError(f"{r[c]:%d/%m/%Y} is after data_end {given:%d/%m/%Y}", path=path,
                             sheet=r["_sheet"], row=int(r["_row"]), column=r[f"_col_{c}"])
    return given


def flag(kind: str, t: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add ``date`` (the period date) and one boolean column per indicator of ``kind``.

    Feedback (by received date): overdue = answered after the due date, or unanswered and past it at
    ``as_of``; ``feedback.on_time`` = not overdue; ``satisfaction.feedback`` (5.3) = not overdue and no 'not
    satisfied' response.  Ratings (by finished date): ``satisfaction.dossiers`` (5.4) = neither late nor
    with a PAKN or a dislike rating.
    """
    if kind == "feedback":
        answered, due = t["answered"], t["due"]
        overdue = (answered.notna() & (answered > due)) | (answered.isna() & (due < as_of))
        return t.assign(date=t["received"], **{
            "feedback.on_time": ~overdue,
            "satisfaction.feedback": ~overdue & (t["response"] != "not_satisfied"),
        })
    ok = ~t["late"] & (t["rating"] != "dislike") & ~t["flagged"]
    return t.assign(date=t["finished"], **{"satisfaction.dossiers": ok})


def to_counts(flags: pd.DataFrame, indicators: list[str], *, as_of: pd.Timestamp, source: str
              ) -> pd.DataFrame:
    """Sum per unit and calendar month of ``date``, and per year: ``year`` rows, ``ytd`` for a partial year.

    The data end is the last day of the month of ``as_of``; a year that ends after it gets a ``ytd`` row from
    1 January to the data end instead of a ``year`` row.
    """
    end = (as_of + pd.offsets.MonthEnd(0)).normalize()
    frames = []
    for freq, ptype in (("M", "month"), ("Y", "year")):
        span = flags["date"].dt.to_period(freq)
        g = flags.assign(period_start=span.dt.start_time, period_end=span.dt.end_time.dt.normalize()).groupby(
            ["unit_code", "period_start", "period_end"])
        frames.append(g[indicators].sum().assign(denominator=g.size(), period_type=ptype).reset_index())
    wide = pd.concat(frames, ignore_index=True)
    cut = wide["period_end"] > end
    wide.loc[cut, "period_type"], wide.loc[cut, "period_end"] = "ytd", end
    long = wide.melt(id_vars=["unit_code", "period_start", "period_end", "period_type", "denominator"],
                     value_vars=indicators, var_name="indicator", value_name="numerator")
    names = flags.groupby("unit_code")[["unit_name", "unit_level"]].first()
    return long.join(names, on="unit_code").assign(
        code_system=[periods.code_system_for(e.date()) for e in long["period_end"]],
        numerator=long["numerator"].astype("int64"), convention="qd766", source=source,
    )


def read_feedback(path: str | Path, *, data_end: dt.date | None = None) -> pd.DataFrame:
    """Read a feedback (PAKN) export or a dossier ratings file (CSV, xlsx, Parquet) into Counts.

    Parameters
    ----------
    path : str or Path
        A feedback export (columns ``MaPAKN``, unit ``MaDonVi`` [``TenDonVi``, ``CapDonVi``],
        ``NgayTiepNhan``, ``HanXuLy``, ``NgayTraLoi``, ``KetQuaDanhGia`` [``MaHoSo``]) or a ratings file
        (``MaHoSo``, unit, ``NgayHenTra``, ``NgayKetThucXuLy`` [``NgayYeuCauBoSung``,
        ``NgayCongDanBoSung``], ``DanhGia``, ``CoPAKN``); camelCase and Vietnamese labels accepted
        (``docs/DATA_FORMATS.md`` §5). The header may sit below a title block (first 40 rows).
    data_end : date, optional
        The day the export was taken: statuses (overdue or not yet due) are judged then, and no date may
        be later. Default: the latest received, answered or finished date in the file.

    Returns
    -------
    pandas.DataFrame
        Counts, convention ``qd766``, per unit and calendar month, and per calendar year (``ytd`` for a
        year the data end cuts short). A feedback export gives ``feedback.on_time`` and
        ``satisfaction.feedback`` (QĐ 766 5.3) by received date; a ratings file ``satisfaction.dossiers``
        (5.4) by finished date. Definitions: :data:`analysis.indicators.SATISFACTION_ASSUMPTION`.

    Raises
    ------
    InputError
        A missing column, an empty id, unit or required date, a text that is not a date, an unknown
        response, rating, PAKN flag or unit level, a duplicate id, a due or answer date before the
        received date, a response without an answer, a supplement provided before it was requested, a
        date after ``data_end``, an empty file, a file that is not UTF-8, a sidecar hash mismatch.
    """
    path = Path(path)
    record = verify_sidecar(path) if path.exists() else None
    source = source_id(path, record)
    if not path.exists():
        raise InputError("file not found", path=path)
    parsed: dict[str, list[pd.DataFrame]] = {"feedback": [], "ratings": []}
    for kind, sheet, df, cols in records.read_records(path, KINDS, hint=HINT):
        where = {"path": path, "sheet": sheet}
        parse = parse_feedback if kind == "feedback" else parse_ratings
        parsed[kind].append(parse(df, cols, where))
    out = []
    for kind, parts in parsed.items():
        if parts:
            table = pd.concat(parts, ignore_index=True)
            records.unique_ids(table, path, "PAKN id" if kind == "feedback" else "dossier")
            as_of = _as_of(table, DATES[kind], data_end, path)
            out.append(to_counts(flag(kind, table, as_of), INDICATORS[kind], as_of=as_of, source=source))
    return finalise(pd.concat(out, ignore_index=True).to_dict("records"), path)
