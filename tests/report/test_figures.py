"""analysis.report.figures: files, manifest, findings, refusals, source line and synthetic stamp, re-runs."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image

from analysis.plots.base import attach_caption, caption, new_figure
from analysis.report import figures

DATA = pd.DataFrame({"year": [2023, 2024], "rate": [0.979, 0.988]})


def make_fig(title="Tỷ lệ đúng hạn"):
    fig, ax = new_figure()
    ax.plot(DATA["year"], DATA["rate"], marker="o")
    return attach_caption(fig, title=title, alt="Hai năm: 97,9 % rồi 98,8 %.", data=DATA)


def context(tmp_path, *, synthetic=False, notebook="10_dossier_timeliness"):
    return SimpleNamespace(
        figures_dir=tmp_path / "2024" / "77",
        notebook=notebook,
        params={"year": 2024, "unit": "77", "lang": "vi"},
        inputs=[{"path": "dossiers/dossiers_2024.csv", "sha256": "ab" * 32, "synthetic": synthetic}],
        synthetic=synthetic,
    )


def test_writes_png_svg_csv_and_manifest_entry(tmp_path):
    ctx = context(tmp_path)
    figures.save_figure(make_fig(), "trend", title="T", alt="A", data=DATA, context=ctx)
    folder = ctx.figures_dir
    for ext in ("png", "svg", "csv"):
        assert (folder / f"trend.{ext}").stat().st_size > 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in manifest] == ["trend"]
    entry = manifest[0]
    assert entry["title"] == "T" and entry["alt"] == "A"
    assert entry["notebook"] == "10_dossier_timeliness"
    assert entry["parameters"]["unit"] == "77"
    assert entry["inputs"][0]["sha256"] == "ab" * 32
    assert "matplotlib" in entry["versions"] and "python" in entry["versions"]
    for ext, info in entry["files"].items():
        assert hashlib.sha256((folder / info["path"]).read_bytes()).hexdigest() == info["sha256"], ext
    assert pd.read_csv(folder / "trend.csv")["rate"].tolist() == [0.979, 0.988]


def test_png_has_fixed_pixel_size(tmp_path):
    figures.save_figure(make_fig(), "a", title="T", alt="A", data=DATA, out_dir=tmp_path)
    with Image.open(tmp_path / "a.png") as im:
        assert im.size == (8 * figures.PNG_DPI, int(4.5 * figures.PNG_DPI))


@pytest.mark.parametrize(
    "title, alt", [("", "alt"), ("title", ""), ("  ", "alt"), (None, "alt"), ("t", None)]
)
def test_refuses_without_title_or_alt(tmp_path, title, alt):
    with pytest.raises(ValueError, match="refuses to save without"):
        figures.save_figure(make_fig(), "x", title=title, alt=alt, data=DATA, out_dir=tmp_path)
    assert not any(tmp_path.iterdir()), "nothing may be written when refusing"


def test_refuses_bad_id_and_non_table_data(tmp_path):
    with pytest.raises(ValueError, match="fig_id"):
        figures.save_figure(make_fig(), "../escape", title="t", alt="a", data=DATA, out_dir=tmp_path)
    with pytest.raises(ValueError, match="DataFrame"):
        figures.save_figure(make_fig(), "ok", title="t", alt="a", data=[1, 2], out_dir=tmp_path)
    assert not any(tmp_path.glob("ok.*"))


def test_needs_a_folder():
    with pytest.raises(ValueError, match="out_dir"):
        figures.save_figure(make_fig(), "x", title="t", alt="a", data=DATA)


def test_rerun_gives_identical_bytes(tmp_path):
    ctx1, ctx2 = context(tmp_path / "one"), context(tmp_path / "two")
    figures.save_figure(make_fig(), "f", **caption(make_fig()), context=ctx1)
    figures.save_figure(make_fig(), "f", **caption(make_fig()), context=ctx2)
    for name in ("f.png", "f.svg", "f.csv", "manifest.json"):
        assert (ctx1.figures_dir / name).read_bytes() == (ctx2.figures_dir / name).read_bytes(), name
    svg = (ctx1.figures_dir / "f.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg


def test_synthetic_stamp_on_the_figure(tmp_path):
    plain, stamped = make_fig(), make_fig()
    figures.save_figure(plain, "p", title="t", alt="a", data=DATA, context=context(tmp_path / "r"))
    figures.save_figure(
        stamped, "s", title="t", alt="a", data=DATA, context=context(tmp_path / "s", synthetic=True)
    )
    svg_real = (tmp_path / "r" / "2024" / "77" / "p.svg").read_text(encoding="utf-8")
    svg_syn = (tmp_path / "s" / "2024" / "77" / "s.svg").read_text(encoding="utf-8")
    assert figures.SYNTHETIC_STAMP not in svg_real
    assert figures.SYNTHETIC_STAMP in svg_syn
    manifest = json.loads((tmp_path / "s" / "2024" / "77" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest[0]["synthetic"] is True
    figures.stamp_synthetic(stamped)  # a second stamp does nothing
    footer = stamped._supxlabel.get_text()
    assert footer.startswith(figures.SYNTHETIC_STAMP) and "mô phỏng" in footer
    assert svg_syn.count(figures.SYNTHETIC_STAMP) == 1
    assert "Nguồn:" in svg_real  # a real figure carries its source line, unboxed


def test_title_set_when_figure_has_none(tmp_path):
    fig, ax = new_figure()
    ax.plot([0, 1], [0, 1])
    figures.save_figure(fig, "t", title="Tiêu đề", alt="a", data=DATA, out_dir=tmp_path)
    assert fig.get_suptitle() == "Tiêu đề"


def test_resaving_replaces_entry_and_keeps_others(tmp_path):
    for fid in ("b", "a", "b"):
        figures.save_figure(make_fig(), fid, title=f"title {fid}", alt="a", data=DATA, out_dir=tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in manifest] == ["a", "b"]


def _save_many(args):
    folder, prefix = args
    for i in range(2):
        figures.save_figure(make_fig(), f"{prefix}{i}", title="t", alt="a", data=DATA, out_dir=folder)
    figures.record_findings([f"finding of {prefix}"], out_dir=folder, notebook=prefix)


def test_parallel_writers_keep_every_entry(tmp_path):
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        pool.map(_save_many, [(tmp_path, "x"), (tmp_path, "y"), (tmp_path, "z")])
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["id"] for e in manifest) == sorted(f"{p}{i}" for p in "xyz" for i in range(2))
    found = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert found == {"x": ["finding of x"], "y": ["finding of y"], "z": ["finding of z"]}


def test_record_findings_nfc_and_refusals(tmp_path):
    nfd = "Tỷ lệ đúng hạn".encode().decode()  # composed
    import unicodedata

    decomposed = unicodedata.normalize("NFD", nfd)
    out = figures.record_findings([decomposed], out_dir=tmp_path, notebook="00_overview")
    assert out == [unicodedata.normalize("NFC", decomposed)]
    stored = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert stored["00_overview"][0] == unicodedata.normalize("NFC", decomposed)
    with pytest.raises(ValueError, match="non-empty"):
        figures.record_findings(["ok", " "], out_dir=tmp_path, notebook="n")
    with pytest.raises(ValueError, match="notebook"):
        figures.record_findings(["ok"], out_dir=tmp_path)


def test_corrupt_manifest_is_reported_not_overwritten(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="manifest.json"):
        figures.save_figure(make_fig(), "f", title="t", alt="a", data=DATA, out_dir=tmp_path)
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == "{not json"


def test_context_save_delegates(tmp_path):
    context = pytest.importorskip("analysis.notebook.context")
    ctx = context.Context(
        "00_overview",
        {"year": 2024, "unit": "77", "lang": "en"},
        Path(tmp_path),
        pd.DataFrame({"unit_code": ["77"], "unit_name": ["X"]}),
        [],
        True,
        tmp_path / "fig",
    )
    ctx.save(make_fig(), "via_context", title="t", alt="a", data=DATA)
    manifest = json.loads((tmp_path / "fig" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest[0]["notebook"] == "00_overview" and manifest[0]["synthetic"] is True


def test_real_published_figures_are_not_stamped_in_a_synthetic_run(tmp_path):
    from analysis import plots

    cw = pd.DataFrame(
        {
            "old_code": ["77", "74"],
            "old_name": ["BRVT", "Bình Dương"],
            "new_code": ["79", "79"],
            "new_name": ["HCM", "HCM"],
        }
    )
    fig = plots.merger_bars(cw, lang="en")
    ctx = context(tmp_path, synthetic=True)
    figures.save_figure(fig, "merger", **plots.caption(fig), context=ctx)
    svg = (ctx.figures_dir / "merger.svg").read_text(encoding="utf-8")
    assert figures.SYNTHETIC_STAMP not in svg
    entry = json.loads((ctx.figures_dir / "manifest.json").read_text(encoding="utf-8"))[0]
    assert entry["synthetic"] is False and entry["data"].startswith("real")


def test_english_run_stamps_in_english_and_names_the_target_source(tmp_path):
    from analysis import plots

    yearly = pd.DataFrame(
        {
            "indicator": "timeliness.on_time",
            "year": [2023, 2024],
            "rate": [0.979, 0.988],
            "lower": [0.975, 0.985],
            "upper": [0.983, 0.991],
        }
    )
    targets = pd.DataFrame(
        {
            "indicator": ["timeliness.on_time"],
            "year": [2023],
            "target": [0.98],
            "source": ["HĐND tỉnh (as quoted); Báo cáo tổng kết 2023 (news); source_documents/x.txt"],
        }
    )
    fig = plots.trend_band(yearly, target=targets, lang="en")
    ctx = context(tmp_path, synthetic=True)
    ctx.params["lang"] = "en"
    figures.save_figure(fig, "trend", **plots.caption(fig), context=ctx)
    footer = fig._supxlabel.get_text()
    assert footer.startswith("SYNTHETIC DATA") and "DỮ LIỆU" not in footer
    assert "Target: HĐND tỉnh — Báo cáo tổng kết 2023" in footer
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Target (2023) 98.0%: 2024 met" in legend
    entry = json.loads((ctx.figures_dir / "manifest.json").read_text(encoding="utf-8"))[0]
    assert any(i["path"] == "data/reference/targets.csv" and len(i["sha256"]) == 64 for i in entry["inputs"])


def test_published_figure_lists_only_real_inputs(tmp_path):
    from analysis import plots

    rows = pd.DataFrame(
        {
            "province": ["A", "B"],
            "year": [2023, 2023],
            "indicator": ["payment.online"] * 2,
            "value": [0.7, 0.8],
            "source": ["s1 — https://a", "s2 — https://b"],
        }
    )
    fig = plots.published_dotplot(rows, highlight="A", lang="vi")
    ctx = context(tmp_path, synthetic=True)
    figures.save_figure(fig, "pub", **plots.caption(fig), context=ctx)
    entry = json.loads((ctx.figures_dir / "manifest.json").read_text(encoding="utf-8"))[0]
    assert entry["synthetic"] is False
    assert [i["path"] for i in entry["inputs"]] == ["data/published/published_indicators.csv"]
    assert "2 nguồn" in entry["source"] and figures.SYNTHETIC_STAMP not in entry["source"]


def test_figure_bytes_draw_what_savefig_draws_and_keep_the_layout_engine():
    """The layout done once and frozen (figure_bytes) gives the same PNG as matplotlib's own savefig."""
    import io

    import matplotlib as mpl
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from analysis.plots import trend_band

    yearly = pd.DataFrame(
        {
            "year": [2021, 2022, 2023, 2024],
            "numerator": [950, 960, 975, 990],
            "denominator": [1000] * 4,
        }
    ).assign(rate=lambda d: d["numerator"] / d["denominator"], lower=lambda d: d["rate"] - 0.01,
             upper=lambda d: d["rate"] + 0.01)  # fmt: skip
    made = [trend_band(yearly, lang="vi") for _ in range(2)]
    ours = figures.figure_bytes(made[0])
    with mpl.style.context(figures.STYLE_PATH), mpl.rc_context({"svg.hashsalt": figures.SVG_HASHSALT}):
        buf = io.BytesIO()
        made[1].savefig(buf, format="png", dpi=figures.PNG_DPI, metadata={"Software": None})
    assert ours["png"] == buf.getvalue()
    assert ours["svg"].startswith(b"<?xml")
    assert isinstance(made[0].get_layout_engine(), ConstrainedLayoutEngine)  # put back for later saves
