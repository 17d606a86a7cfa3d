"""The analysts' explorer: widgets for indicator, unit, years, comparison and language; views update in place.

``notebooks/explore.ipynb`` makes one :class:`Explorer`.  The data are read once (a folder of exports through
``analysis.io.load_counts``, cached under ``data/processed/explore``, or a Counts parquet); each widget change
recomputes only the selection (:func:`analysis.notebook.explore_views.build_views`) and replaces the images
and the table in place.  Errors are shown as one short line, never a traceback.  The "save" button writes
the current charts with their provenance to the scratch folder ``scratch/explore/<year>/<unit>/``, never to
``figures/`` (the official set is written only by ``analysis run``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import indicators, paths, text
from analysis.errors import InputError, ParameterError
from analysis.notebook import explore_choices as choices
from analysis.notebook import explore_views as views
from analysis.notebook.explore_choices import BOTH, CHARTS, Selection, escape, word
from analysis.notebook.explore_io import (
    CACHE_SIZE,
    DISPLAY_FORMAT,
    SCRATCH_DIR,
    STATS_CACHE_SIZE,
    Kept,
    figure_image,
    read_counts,
    read_targets,
    save_charts,
    short_message,
)
from analysis.provenance import is_synthetic


class Explorer:
    """Widgets over one Counts table: pick, look, compare, save.

    Parameters
    ----------
    data_dir : str
        Folder of exports (read with ``analysis.io.load_counts``); empty means the SYNTHETIC sample.
    counts_file : str
        A Counts table (parquet) written by ``analysis counts`` or ``analysis run``; read instead of
        ``data_dir`` when given.
    lang : {"vi", "en"}
        Language of the widgets, charts and table.
    indicator, unit : str
        What is shown first (a registry id; a unit code, empty for the province).
    year : int
        Last year shown first; 0 means the latest whole year of the data.
    scratch_dir : str
        Where the save button writes; empty means ``scratch/explore`` in the project.

    Notes
    -----
    Nothing is recomputed from the files after loading: a change of widget filters the table in memory
    and calls the same ``analysis.stats`` / ``analysis.plots`` / ``analysis.text`` functions as the
    reports.  ``last_update_seconds`` holds the time the last update took.
    """

    def __init__(
        self,
        *,
        data_dir: str = "",
        counts_file: str = "",
        lang: str = "vi",
        indicator: str = "timeliness.on_time",
        unit: str = "",
        year: int = 0,
        scratch_dir: str = "",
    ) -> None:
        import ipywidgets as w

        self.counts = pd.DataFrame()
        self.targets: pd.DataFrame | None = None
        self.folder: Path | None = None
        self.inputs: list[dict] = []
        self.synthetic = False
        self.views: views.Views | None = None
        self.last_update_seconds = float("nan")
        self.scratch_dir = Path(scratch_dir) if scratch_dir else SCRATCH_DIR
        self._hold = False
        self._names: dict[str, str] = {}
        self._cache, self._stats = Kept(CACHE_SIZE), Kept(STATS_CACHE_SIZE)  # (part, image); statistics
        self._wanted = {"indicator": indicator, "unit": unit, "year": int(year)}
        lang = lang if lang in ("vi", "en") else "vi"
        wide = {"description_width": "initial"}
        buttons = {"description_width": "initial", "button_width": "auto"}
        self.lang = w.ToggleButtons(
            options=[("Tiếng Việt", "vi"), ("English", "en")], value=lang, style=buttons
        )
        self.indicator = w.Dropdown(style=wide, layout=w.Layout(width="34em"))
        self.convention = w.Dropdown(style=wide, layout=w.Layout(width="22em"))
        self.unit = w.Dropdown(style=wide, layout=w.Layout(width="34em"))
        self.years = w.IntRangeSlider(min=2000, max=2001, value=(2000, 2001), continuous_update=False,
                                      style=wide, layout=w.Layout(width="26em"))  # fmt: skip
        self.compare = w.Dropdown(style=wide, layout=w.Layout(width="22em"))
        self.chart = w.ToggleButtons(style=buttons)
        self.data_dir = w.Text(
            value=data_dir, continuous_update=False, style=wide, layout=w.Layout(width="34em")
        )
        self.counts_file = counts_file
        self.load_button = w.Button(icon="folder-open")
        self.save_button = w.Button(icon="save", button_style="primary")
        self.status = w.HTML()
        self.verdict = w.HTML()
        self.trend_image = w.Image(format=DISPLAY_FORMAT, layout=w.Layout(width="50%", height="auto"))
        self.compare_image = w.Image(format=DISPLAY_FORMAT, layout=w.Layout(width="50%", height="auto"))
        self.table = w.HTML()
        self.saved = w.HTML()
        for name in ("lang", "indicator", "convention", "unit", "years", "compare", "chart", "data_dir",
                     "load_button", "save_button", "status", "verdict", "trend_image", "compare_image",
                     "table", "saved"):  # fmt: skip
            getattr(self, name).add_class(f"explore-{name.replace('_', '-')}")
        wrap = w.Layout(flex_flow="row wrap", align_items="center")
        self.widget = w.VBox(
            [
                w.HBox([self.indicator, self.convention, self.lang], layout=wrap),
                w.HBox([self.unit, self.years, self.compare], layout=wrap),
                w.HBox([self.chart, self.save_button, self.data_dir, self.load_button], layout=wrap),
                self.status,
                self.verdict,
                w.HBox([self.trend_image, self.compare_image], layout=w.Layout(align_items="flex-start")),
                self.table,
                self.saved,
            ]
        )
        self._relabel()
        self.lang.observe(self._on_lang, names="value")
        self.indicator.observe(self._on_indicator, names="value")
        self.convention.observe(self._on_convention, names="value")
        self.unit.observe(self._on_unit, names="value")
        for control in (self.years, self.compare, self.chart):
            control.observe(self._on_change, names="value")
        self.data_dir.observe(lambda _change: None if self._hold else self.load(), names="value")
        self.load_button.on_click(lambda _button: self.load())
        self.save_button.on_click(lambda _button: self.save())
        self.load()

    # --- display -------------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _lang(self) -> str:
        return str(self.lang.value)

    def _relabel(self) -> None:
        lang = self._lang()
        for name in ("indicator", "convention", "unit", "years", "compare", "data_dir"):
            getattr(self, name).description = word(name, lang=lang)
        self.load_button.description = word("load", lang=lang)
        self.save_button.description = word("save", lang=lang)
        with self._held():
            value = self.chart.value
            self.chart.options = [(word(c, lang=lang), c) for c in CHARTS]
            self.chart.value = value if value in CHARTS else CHARTS[0]

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        """Change widgets without their observers firing (options and values set by the explorer)."""
        before, self._hold = self._hold, True
        try:
            yield
        finally:
            self._hold = before

    def _error(self, exc: BaseException) -> None:
        self.status.value = f"<span class='explore-error'>⚠ {escape(short_message(exc))}</span>"

    # --- data ----------------------------------------------------------------------------------------

    def load(self, data_dir: str | None = None) -> bool:
        """Read the data folder (or counts file) once and refresh every choice; keep the old data on error."""
        if data_dir is not None:
            with self._held():
                self.data_dir.value = data_dir
        try:
            counts, folder, inputs = read_counts(self.data_dir.value.strip(), self.counts_file)
            if counts.empty:
                raise InputError("the data hold no counts", path=folder)
        except Exception as exc:  # noqa: BLE001 - the analyst sees one line, the old data stay
            self._error(exc)
            return False
        counts.attrs = {}  # inputs are kept here; pandas would deep-copy attrs on every operation
        self.counts, self.folder, self.inputs = counts, folder, inputs
        self.synthetic = is_synthetic(folder, inputs)
        self._by_indicator = {i: g for i, g in counts.groupby("indicator", sort=False)}
        self.targets = read_targets()
        self._cache.clear()
        self._stats.clear()
        problems = self._fill_choices()
        lang = self._lang()
        size = text.format_number(len(counts), lang=lang)
        shown = folder.relative_to(paths.ROOT) if folder.is_relative_to(paths.ROOT) else folder
        note = f"{word('loaded', lang=lang)} {escape(shown)}: {size} {word('rows', lang=lang)}"
        if problems:
            note += "<br><span class='explore-error'>⚠ " + escape("; ".join(problems)) + "</span>"
        self.status.value = note
        self.update()
        return True

    def _fill_choices(self) -> list[str]:
        """Set the options from the data, keeping the current (or asked-for) indicator and unit.

        Returns what could not be kept (an indicator or unit absent from the data), for the status line.
        """
        lang = self._lang()
        present = set(self.counts["indicator"].unique())
        wanted_ind = self.indicator.value or self._wanted["indicator"]
        wanted_unit = self.unit.value or self._wanted["unit"]
        with self._held():
            self.indicator.options = choices.indicator_choices(lang=lang, present=present)
            self.unit.options = choices.unit_choices(self.counts)
            self._names = {code: label.split(" · ", 1)[1] for label, code in self.unit.options}
            codes = [c for _, c in self.unit.options]
            self.indicator.value = (
                wanted_ind
                if wanted_ind in present
                else sorted(present, key=list(indicators.REGISTRY).index)[0]
            )
            self.unit.value = wanted_unit if wanted_unit in codes else codes[0]
        problems = []
        if wanted_ind and wanted_ind not in present:
            problems.append(f"indicator {wanted_ind!r}: no counts in these data")
        if wanted_unit and wanted_unit not in codes:
            problems.append(f"unit {wanted_unit!r}: not in these data")
        self._wanted["unit"] = self._wanted["indicator"] = ""
        self._fill_dependent(first=True)
        return problems

    def _fill_dependent(self, *, first: bool = False) -> None:
        """Options that depend on the indicator and unit: convention, years, comparisons."""
        lang, ind = self._lang(), self.indicator.value
        rows = self._by_indicator.get(ind, self.counts.iloc[0:0])
        with self._held():
            conv = self.convention.value
            self.convention.options = choices.convention_choices(ind, lang=lang)
            own = indicators.get(ind).convention
            values = [v for _, v in self.convention.options]
            self.convention.value = conv if conv == BOTH and BOTH in values else own
            self.convention.disabled = len(values) == 1
            if not rows.empty:
                lo, hi = choices.year_span(rows, ind)
                old = self.years.value
                if first:
                    whole = rows.loc[rows["period_type"] == "year", "year"]
                    last = self._wanted["year"] or (int(whole.max()) if len(whole) else hi)
                    self._wanted["year"] = 0
                    value = (lo, min(max(last, lo), hi))
                else:
                    value = (max(lo, min(old[0], hi)), min(hi, max(old[1], lo)))
                with self.years.hold_trait_notifications():  # cross-validation once, after all three
                    self.years.min, self.years.max, self.years.value = lo, hi, value
            choice = self.compare.value
            self.compare.options = (
                choices.compare_choices(self.counts, self.unit.value, ind, lang=lang)
                if not rows.empty
                else []
            )
            values = [v for _, v in self.compare.options]
            self.compare.value = choice if choice in values else (values[0] if values else None)

    # --- events --------------------------------------------------------------------------------------

    def _on_lang(self, _change: dict) -> None:
        if self._hold:
            return
        self._relabel()
        lang = self._lang()
        with self._held():
            ind, unit = self.indicator.value, self.unit.value
            self.indicator.options = choices.indicator_choices(lang=lang, present=set(self._by_indicator))
            self.indicator.value = ind
            self.unit.value = unit
        self._fill_dependent()
        self.update()

    def _on_indicator(self, _change: dict) -> None:
        if self._hold:
            return
        self._fill_dependent()
        self.update()

    def _on_convention(self, change: dict) -> None:
        if self._hold:
            return
        target = choices.indicator_for(self.indicator.value, change["new"])
        if target != self.indicator.value:
            with self._held():
                self.indicator.value = target
            self._fill_dependent()
        self.update()

    def _on_unit(self, _change: dict) -> None:
        if self._hold:
            return
        self._fill_dependent()
        self.update()

    def _on_change(self, _change: dict) -> None:
        if not self._hold:
            self.update()

    # --- views ---------------------------------------------------------------------------------------

    def selection(self) -> Selection:
        """Return the current choices as a :class:`~analysis.notebook.explore_views.Selection`."""
        lo, hi = self.years.value
        return Selection(
            indicator=str(self.indicator.value),
            unit=str(self.unit.value),
            first_year=int(lo),
            last_year=int(hi),
            compare=str(self.compare.value or ""),
            convention=str(self.convention.value or ""),
            chart=str(self.chart.value),
            lang=self._lang(),
        )

    def _part(self, key: tuple, make: Any) -> Any:
        """Return the cached (part, image) for ``key``, computing it with ``make()`` on a miss."""
        return self._cache.get_or(key, lambda: (part := make(), figure_image(part.figure)))

    def _memo(self, key: tuple, make: Any) -> Any:
        """Return the statistic kept for ``key``, else ``make()`` (keys never name language or chart)."""
        return self._stats.get_or(key, make)

    def update(self) -> None:
        """Recompute the current selection and replace the charts, verdicts and table in place.

        Each part (trend; comparison) is kept with its image for the last :data:`CACHE_SIZE` selections
        and the statistics under them (:meth:`_memo`, keyed without language or chart), so changing the
        chart or the language recomputes no statistic and the first year redraws only the trend.
        """
        if self.counts.empty or self.indicator.value is None:
            return
        start = time.perf_counter()
        sel = self.selection()
        try:
            with views.validated_once():  # the Counts were validated whole when loaded
                own, own_image, other, other_image = self._parts(sel)
        except Exception as exc:  # noqa: BLE001 - one short line in the explorer, never a traceback
            self._error(exc)
            return
        self.views = views.Views(own.figure, other.figure, own.verdict_html, other.table_html, other.table)
        self.trend_image.value = own_image
        self.compare_image.value = other_image
        self.verdict.value = own.verdict_html
        self.table.value = other.table_html
        self.last_update_seconds = time.perf_counter() - start

    def _parts(self, sel: Selection) -> tuple:
        """Return the trend part and the comparison part of ``sel`` with their images (cached)."""
        rows, name = views.selected_rows(self._by_indicator, sel), self._names.get(sel.unit)
        own_key = ("trend", sel.indicator, sel.unit, sel.first_year, sel.last_year, sel.convention, sel.lang)
        shown = self._memo(
            ("shown", *views.compare_key(sel), sel.first_year), lambda: views.compared_in_years(rows, sel)
        )
        own, own_image = self._part(own_key, lambda: views.trend_part(rows, sel, targets=self.targets,
                                    synthetic=self.synthetic, name=name, memo=self._memo))  # fmt: skip
        # the table starts with the unit's own row, absent when it has no counts in the years shown
        other_key = ("compare", *views.compare_key(sel), shown, own.total.empty, sel.chart, sel.lang)
        other, other_image = self._part(other_key, lambda: views.compare_part(
            rows, sel, total=own.total, name=name, synthetic=self.synthetic, memo=self._memo))  # fmt: skip
        return own, own_image, other, other_image

    # --- save ----------------------------------------------------------------------------------------

    def save(self) -> Path | None:
        """Write the current charts (PNG, SVG, CSV) and their manifest to ``<scratch>/<year>/<unit>/``.

        The manifest entry records the selection, the data folder, every input with its sha256, the
        commit, package versions and the synthetic flag (``analysis.report.figures.save_figure``).
        """
        lang = self._lang()
        try:
            if self.views is None:
                raise ParameterError("nothing to save yet: load data first")
            sel = self.selection()
            folder = save_charts(
                {"trend": self.views.trend, "compare": self.views.compare},
                sel,
                unit_name=self._names.get(sel.unit) or choices.unit_name(self.counts, sel.unit),
                scratch_dir=self.scratch_dir,
                params={"data_dir": str(self.folder), "counts_file": self.counts_file},
                inputs=self.inputs,
                synthetic=self.synthetic,
            )
        except Exception as exc:  # noqa: BLE001 - one short line
            self.saved.value = f"<span class='explore-error'>⚠ {escape(short_message(exc))}</span>"
            return None
        self.saved.value = f"{word('saved', lang=lang)} <code>{escape(folder)}</code>"
        return folder
