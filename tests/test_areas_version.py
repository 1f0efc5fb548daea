"""``etl areas`` is part of the data version (return-spec v2 § 4; issue 10).

Attacks reproduced: after ``etl areas`` changed names or targets, ``/api/v1/data`` kept the old
ones, even after a restart (the shared cache was keyed by a data version that ignored reference
data); and an area name ``=HYPERLINK(…)`` was accepted.
"""

from __future__ import annotations

import sqlite3

import pytest
from support.returns import write_return

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from etl.areas import AreasFileError, add_areas
from etl.cli import main
from etl.load.loader import load_files
from lfo.db import init_db, writer_engine

NEWCASTLE = "E08000021"
HEADER = "gss_code,name,region,families,annual_target"


def _log(db_path) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(
            "SELECT outcome, file_name, area_code, period, message FROM etl_load_log "
            "ORDER BY load_id"
        ).fetchall()
    finally:
        con.close()


def test_a_change_is_logged_as_areas_updated_with_what_changed(tmp_path):
    db = tmp_path / "lfo.db"
    engine = writer_engine(f"sqlite:///{db}")
    init_db(engine)
    con = sqlite3.connect(db)
    [(target,)] = con.execute("SELECT annual_target FROM areas WHERE gss_code = ?", (NEWCASTLE,))
    con.close()
    path = tmp_path / "renames.csv"
    path.write_text(
        f"{HEADER}\n{NEWCASTLE},Newcastle,North East,35000,{target + 10}\n"
        "E06000059,Dorset Council,South West,36000,140\n"
    )
    result = add_areas(path, engine)
    assert result.load_id is not None
    [(outcome, file_name, area, period, message)] = _log(db)
    assert (outcome, file_name, area, period) == ("areas updated", "renames.csv", None, None)
    assert "1 added, 1 updated" in message
    assert "E06000059 added: name 'Dorset Council', region 'South West'" in message
    assert f"{NEWCASTLE} updated: name 'Newcastle upon Tyne' -> 'Newcastle'" in message
    assert f"annual_target {target} -> {target + 10}" in message
    # the same file again changes nothing, so logs nothing (the data version stays)
    again = add_areas(path, engine)
    assert again.load_id is None and again.changes == []
    assert len(_log(db)) == 1
    engine.dispose()


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("field", ["name", "region"])
def test_names_and_regions_a_spreadsheet_would_run_are_refused(tmp_path, start, field):
    db = tmp_path / "lfo.db"
    engine = writer_engine(f"sqlite:///{db}")
    value = f'{start}HYPERLINK("http://example.invalid","x")'
    cells = {"name": "Dorset Council", "region": "South West", field: value}
    path = tmp_path / "areas.csv"
    path.write_text(
        f'{HEADER}\nE06000059,"{cells["name"].replace(chr(34), 2 * chr(34))}",'
        f'"{cells["region"].replace(chr(34), 2 * chr(34))}",36000,140\n'
    )
    with pytest.raises(AreasFileError) as info:
        add_areas(path, engine)
    text = str(info.value)
    assert f"line 2: {field} '{value}' begins with '{start}'" in text
    assert "nothing was changed" in text
    engine.dispose()


def test_etl_areas_refuses_a_formula_name_with_exit_1_and_changes_nothing(tmp_path, capsys):
    db = tmp_path / "lfo.db"
    engine = writer_engine(f"sqlite:///{db}")
    init_db(engine)
    engine.dispose()
    path = tmp_path / "areas.csv"
    path.write_text(
        f'{HEADER}\n{NEWCASTLE},"=HYPERLINK(""http://x"",""y"")",North East,35000,150\n'
    )
    assert main(["areas", str(path), "--db", f"sqlite:///{db}"]) == 1
    err = capsys.readouterr().err
    assert "line 2: name '=HYPERLINK" in err and "formula" in err and "Traceback" not in err
    con = sqlite3.connect(db)
    try:
        [(name,)] = con.execute("SELECT name FROM areas WHERE gss_code = ?", (NEWCASTLE,))
        assert name == "Newcastle upon Tyne"
        assert con.execute("SELECT count(*) FROM etl_load_log").fetchall() == [(0,)]
    finally:
        con.close()


def _app(url: str, cache_dir) -> object:
    settings = DashboardSettings(
        database_url=url, suppression_threshold=1, warm_cache=False, cache_dir=str(cache_dir)
    )
    return create_app(settings).server.test_client()


def _newcastle(client) -> tuple[dict, dict]:
    area = next(a for a in client.get("/api/v1/areas").get_json()["data"] if a["code"] == NEWCASTLE)
    resp = client.get(f"/api/v1/data?indicator=reach.target&area={NEWCASTLE}&period=2017-18_Q3")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    [row] = resp.get_json()["data"]
    return area, row


def test_the_api_shows_new_names_and_targets_at_once_and_after_a_restart(
    tmp_path, lfo_settings, capsys
):
    [loaded] = load_files([write_return(tmp_path / "in")], lfo_settings)
    assert loaded.outcome == "loaded"
    cache = tmp_path / "cache"
    client = _app(lfo_settings.database_url, cache)
    area, row = _newcastle(client)  # made and cached (in memory and in the shared folder)
    assert area["name"] == row["area_name"] == "Newcastle upon Tyne"
    old_target, old_value = area["annual_target"], row["value"]
    path = tmp_path / "renamed.csv"
    path.write_text(f"{HEADER}\n{NEWCASTLE},Newcastle Renamed,North East,35000,{old_target * 2}\n")
    assert main(["areas", str(path), "--db", lfo_settings.database_url]) == 0
    out = capsys.readouterr().out
    assert "1 area(s) updated" in out and "Newcastle Renamed" in out
    for label, running in (
        ("same app", client),
        ("restarted", _app(lfo_settings.database_url, cache)),
    ):
        area, row = _newcastle(running)
        assert area["name"] == row["area_name"] == "Newcastle Renamed", label
        assert area["annual_target"] == old_target * 2, label
        assert row["value"] == pytest.approx(old_value / 2), label
