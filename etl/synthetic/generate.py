"""Synthetic returns that look like real ones: the pilot's 12 areas quarter by quarter, or the
national programme's 153 areas in one big cumulative return each.

Each area's full history is simulated once (``etl.synthetic.sim``), then every quarter's return is
the snapshot of that history as known at the quarter's end (``etl.synthetic.writers``), so later
returns contain every record of earlier ones, with statuses that move on. Same seed, same bytes.

    generate(Path("data/returns/pilot"), seed=2016, scale="pilot")
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.synthetic.faulty import write_faulty
from etl.synthetic.sim import AreaHistory, AreaParams, day, simulate_area
from etl.synthetic.writers import (
    OPTIONAL,
    AreaStyle,
    label_history,
    snapshot,
    write_zip,
    xlsx_bytes,
    zip_members,
)
from lfo.db import read_reference
from lfo.formula_guard import csv_frame
from lfo.periods import PROGRAMME_START, Quarter

log = logging.getLogger(__name__)

SCALES = ("pilot", "national")
PILOT_QUARTERS = [Quarter(2016, 1) + i for i in range(12)]  # 2016-17 Q1 .. 2018-19 Q4
NATIONAL_QUARTER = Quarter(2025, 4)
NATIONAL_PARTICIPANTS = 1_000_000
REGIONS = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
ENGLAND_ETHNICITY = (0.81, 0.03, 0.09, 0.04, 0.03)

Progress = Callable[[str, int, int], None]

# Pilot areas: (completion, take-up, paired completeness, baseline, missing, ethnicity mix
# white/mixed/asian/black/other). Synthetic, chosen so areas differ as real ones do.
PILOT = {
    "E08000021": (0.57, 0.80, 0.78, 0.92, 0.02, (0.80, 0.03, 0.10, 0.04, 0.03)),
    "E08000037": (0.55, 0.82, 0.70, 0.90, 0.00, (0.93, 0.02, 0.03, 0.01, 0.01)),
    "E09000008": (0.53, 0.78, 0.64, 0.88, 0.05, (0.45, 0.08, 0.18, 0.23, 0.06)),
    "E09000022": (0.58, 0.80, 0.74, 0.91, 0.03, (0.50, 0.09, 0.07, 0.28, 0.06)),
    "E09000033": (0.60, 0.81, 0.82, 0.94, 0.01, (0.53, 0.07, 0.15, 0.08, 0.17)),
    "E10000012": (0.63, 0.83, 0.80, 0.93, 0.02, (0.88, 0.03, 0.04, 0.03, 0.02)),
    "E10000015": (0.49, 0.79, 0.68, 0.90, 0.04, (0.80, 0.04, 0.09, 0.04, 0.03)),
    "E06000032": (0.54, 0.78, 0.66, 0.89, 0.06, (0.45, 0.05, 0.37, 0.09, 0.04)),
    "E08000003": (0.55, 0.79, 0.72, 0.90, 0.04, (0.57, 0.06, 0.21, 0.12, 0.04)),
    "E06000009": (0.47, 0.78, 0.62, 0.88, 0.05, (0.94, 0.02, 0.02, 0.01, 0.01)),
    "E06000008": (0.56, 0.80, 0.76, 0.92, 0.03, (0.60, 0.02, 0.36, 0.01, 0.01)),
    "E10000009": (0.60, 0.82, 0.83, 0.95, 0.01, (0.95, 0.02, 0.01, 0.01, 0.01)),
}
# House styles of the pilot LAs' systems (prefixes, width, date style, xlsx date cells, BOM, folder).
STYLES = [
    ("NCL", "NCLF", "NCLE", 6, "iso", True, False, False),
    ("", "F", "E", 7, "uk", False, True, False),
    ("CR-P", "CR-F", "CR-E", 6, "iso_time", True, False, True),
    ("lam", "lamf", "lame", 5, "iso", False, False, False),
    ("WCC", "WCCF", "WCCE", 6, "uk", True, False, False),
    ("", "FAM", "EPI", 8, "iso", True, True, False),
    ("HCC_", "HCCF_", "HCCE_", 6, "uk", False, False, True),
    ("LU", "LUF", "LUE", 6, "iso", True, False, False),
    ("MCR", "MCRF", "MCRE", 7, "uk", True, True, False),
    ("BPL", "BPLF", "BPLE", 5, "iso", False, False, False),
    ("BwD", "BwDF", "BwDE", 6, "uk", True, False, True),
    ("DOR", "DORF", "DORE", 6, "iso", False, True, False),
]


@dataclass
class GenerateSummary:
    out: Path
    scale: str
    seed: int
    files: int = 0  # valid returns written (the faulty ones are listed in ``faulty``)
    areas: int = 0
    participants: int = 0  # in the latest return of every area
    episodes: int = 0
    outcomes: int = 0
    seconds: float = 0.0
    faulty: dict[str, list[Path]] = field(default_factory=dict)  # code -> files in load order


def generate(
    out: Path,
    *,
    seed: int = 2016,
    scale: str = "pilot",
    progress: Progress | None = None,
    national_participants: int = NATIONAL_PARTICIPANTS,
    only_areas: Collection[str] | None = None,
) -> GenerateSummary:
    """Write synthetic returns into ``out``; see the module docstring.

    ``progress(description, done, total)`` is called after each file. The last two keywords are
    for tests: a smaller national programme, or a subset of the pilot areas (each area's data
    does not depend on which others are written; faulty returns need Blackpool, E06000009).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    began = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = GenerateSummary(out=out, scale=scale, seed=seed)
    if scale == "pilot":
        _pilot(out, seed, summary, progress, only_areas)
    else:
        _national(out, seed, summary, progress, national_participants)
    summary.seconds = time.perf_counter() - began
    log.info("generated %d %s files in %s (%.1f s)", summary.files, scale, out, summary.seconds)
    return summary


def _missing(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    col = np.array([0.6, 0.8, 1.6, 1.0, 1.8, 0.9])
    return rng.random((n, len(OPTIONAL))) < rate * col


def _not_stated(rng: np.random.Generator, people: pd.DataFrame) -> None:
    for col, p in zip(OPTIONAL, (0.01, 0.02, 0.04, 0.02, 0.05, 0.01), strict=True):
        v = people[col].to_numpy(dtype=object).copy()
        v[rng.random(len(v)) < p] = "not_stated"
        people[col] = v


def _area_history(
    rng: np.random.Generator, params: AreaParams, style: AreaStyle, first: int, last: int
) -> AreaHistory:
    history = simulate_area(rng, params, first, last)
    _not_stated(rng, history.participants)
    label_history(history, style, _missing(rng, len(history.participants), params.missing))
    mode = history.episodes["delivery_mode"].to_numpy(dtype=object, copy=True)
    mode[rng.random(len(mode)) < params.missing] = ""
    history.episodes["delivery_mode"] = mode
    return history


def _style(row: tuple[Any, ...], rng: np.random.Generator) -> AreaStyle:
    pp, fp, ep, width, dates, cells, bom, folder = row
    return AreaStyle(
        pp, fp, ep, width, int(rng.integers(1, 10 ** (width - 2))), dates, cells, bom, folder
    )


def _pilot(
    out: Path,
    seed: int,
    summary: GenerateSummary,
    progress: Progress | None,
    only_areas: Collection[str] | None,
) -> None:
    areas = read_reference("areas.csv")
    wanted = set(areas["gss_code"] if only_areas is None else only_areas)
    first, last = day(PROGRAMME_START), day(PILOT_QUARTERS[-1].end)
    years = (last - first + 1) / 365.25
    ramp = 1.1 * years - 0.6 * (1 - np.exp(-years / 0.8))  # integral of the referral ramp
    (out / "xlsx").mkdir(exist_ok=True)
    (out / "zip").mkdir(exist_ok=True)
    total = len(wanted) * len(PILOT_QUARTERS) * 2
    done = 0
    faulty_base = None
    children = np.random.SeedSequence(seed).spawn(len(areas) + 1)
    for i, row in enumerate(areas.itertuples(index=False)):
        if row.gss_code not in wanted:
            continue
        rng = np.random.default_rng(children[i])
        comp, take, paired, base, miss, eth = PILOT[row.gss_code]
        families = int(rng.poisson(int(row.annual_target) * ramp))
        params = AreaParams(
            row.gss_code, families, int(row.imd_rank), comp, take, paired, base, miss, eth
        )
        style = _style(STYLES[i % len(STYLES)], rng)
        history = _area_history(rng, params, style, first, last)
        for q in PILOT_QUARTERS:
            sheets = snapshot(history, day(q.end))
            name = f"LFO_{row.gss_code}_{q.year_label}_Q{q.q}"
            write_zip(out / "zip" / f"{name}.zip", zip_members(sheets, style, name))
            (out / "xlsx" / f"{name}.xlsx").write_bytes(xlsx_bytes(sheets, style))
            done += 2
            if progress:
                progress("Writing pilot returns", done, total)
        summary.participants += len(sheets["participants"])
        summary.episodes += len(sheets["interventions"])
        summary.outcomes += len(sheets["outcomes"])
        if row.gss_code == "E06000009":
            faulty_base = (history, style)
    summary.files = done
    summary.areas = len(wanted)
    if faulty_base is not None:
        history, style = faulty_base
        summary.faulty = write_faulty(out / "faulty", history, style, "E06000009")


def national_areas(rng: np.random.Generator, n_synthetic: int = 141) -> pd.DataFrame:
    """The pilot areas plus ``n_synthetic`` synthetic ones, columns as data/reference/areas.csv."""
    pilot = read_reference("areas.csv")
    fam = pilot["families"].astype(int)
    families = (
        np.rint(
            np.exp(rng.uniform(np.log(fam.min()), np.log(fam.max()), n_synthetic)) / 100
        ).astype(int)
        * 100
    )
    k = np.arange(1, n_synthetic + 1)
    synthetic = pd.DataFrame(
        {
            "gss_code": [f"E9999{j:04d}" for j in k],
            "name": [f"Synthetic area {j:03d}" for j in k],
            "region": [REGIONS[j % len(REGIONS)] for j in k],
            "families": families,
            "annual_target": np.maximum(np.rint(families * 0.004 / 10).astype(int) * 10, 10),
            "imd_rank": rng.integers(1, 152, n_synthetic),
            "families_source": "synthetic",
            "target_source": "synthetic: 0.4% of families, rounded to 10",
            "imd_source": "synthetic",
            "source": "synthetic",
        }
    )
    return pd.concat([pilot.astype(object), synthetic.astype(object)], ignore_index=True)


def _national(
    out: Path, seed: int, summary: GenerateSummary, progress: Progress | None, participants: int
) -> None:
    root = np.random.default_rng(np.random.SeedSequence([seed, 153]))
    areas = national_areas(root)
    csv_frame(areas).to_csv(out / "areas.csv", index=False, lineterminator="\n")
    first, last = day(PROGRAMME_START), day(NATIONAL_QUARTER.end)
    targets = areas["annual_target"].astype(int).to_numpy()
    families = np.rint(targets / targets.sum() * participants / 1.6).astype(int)
    children = np.random.SeedSequence([seed, 2025]).spawn(len(areas))
    total = len(areas)
    for i, row in enumerate(areas.itertuples(index=False)):
        rng = np.random.default_rng(children[i])
        if row.gss_code in PILOT:
            comp, take, paired, base, miss, eth = PILOT[row.gss_code]
        else:
            comp = float(np.clip(rng.normal(0.56, 0.04), 0.4, 0.7))
            take = float(rng.uniform(0.77, 0.83))
            paired = float(rng.uniform(0.62, 0.83))
            base = float(rng.uniform(0.88, 0.95))
            miss = float(rng.uniform(0, 0.06))
            eth = tuple(rng.dirichlet(np.array(ENGLAND_ETHNICITY) * 60))
        params = AreaParams(
            row.gss_code, int(families[i]), int(row.imd_rank), comp, take, paired, base, miss, eth
        )
        letters = "".join(chr(65 + (i * 7 + j * 3) % 26) for j in range(2))
        style_row = STYLES[i % len(STYLES)]
        if i >= len(STYLES):
            style_row = (letters, letters + "F", letters + "E", *style_row[3:])
        style = _style(style_row, rng)
        history = _area_history(rng, params, style, first, last)
        sheets = snapshot(history, last)
        name = f"LFO_{row.gss_code}_{NATIONAL_QUARTER.year_label}_Q{NATIONAL_QUARTER.q}"
        write_zip(out / f"{name}.zip", zip_members(sheets, style, name))
        summary.participants += len(sheets["participants"])
        summary.episodes += len(sheets["interventions"])
        summary.outcomes += len(sheets["outcomes"])
        summary.files += 1
        if progress:
            progress("Writing national returns", i + 1, total)
    summary.areas = len(areas)
