"""The command line: exit statuses, --db/--report anywhere, reports, clear one-line errors."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from support.returns import valid_tables, write_return

from etl.cli import main, parse_args
from etl.collect import collect_files
from lfo import schema
from lfo.db import reader_engine

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Archive, key file and database inside tmp_path; returns the database URL."""
    monkeypatch.setenv("LFO_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("LFO_ID_KEY_FILE", str(tmp_path / "lfo-id.key"))
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    monkeypatch.setenv("LFO_DATABASE_URL", url)
    monkeypatch.delenv("LFO_TODAY", raising=False)
    return url


def bad_tables() -> dict:
    tables = valid_tables()
    tables["participants"][0]["referral_source"] = '=HYPERLINK("x")'
    return tables


def count(url: str, table: str) -> int:
    engine = reader_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(schema.metadata.tables[table])
            ).scalar_one()
    finally:
        engine.dispose()


def read_report(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def assert_one_clear_line(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("python -m etl")
    for needle in needles:
        assert needle in lines[0]


# --- exit statuses of validate and load ------------------------------------------------------


def test_validate_valid_return_exits_0_and_creates_no_database(env, tmp_path, capsys):
    path = write_return(tmp_path / "in")
    assert main(["validate", str(path)]) == 0
    assert "valid" in capsys.readouterr().out
    assert not (tmp_path / "lfo.db").exists()
    assert not (tmp_path / "archive").exists()


def test_validate_invalid_return_exits_1(env, tmp_path, capsys):
    path = write_return(tmp_path / "in", bad_tables())
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "invalid" in out and "E203" in out


def test_load_valid_return_exits_0_and_loads_its_rows(env, tmp_path, capsys):
    path = write_return(tmp_path / "in")
    assert main(["load", str(path)]) == 0
    assert count(env, "participants") == 3
    assert count(env, "outcomes") == 6
    out = capsys.readouterr().out
    assert "loaded" in out and "3 participants" in out


def test_loading_the_same_file_again_exits_0_and_says_already_loaded(env, tmp_path, capsys):
    path = write_return(tmp_path / "in")
    assert main(["load", str(path)]) == 0
    capsys.readouterr()
    assert main(["load", str(path)]) == 0
    assert "already loaded" in capsys.readouterr().out


def test_a_rejected_file_exits_1_and_does_not_stop_the_others(env, tmp_path, capsys):
    write_return(tmp_path / "in", area="E08000021")
    write_return(tmp_path / "in", bad_tables(), area="E08000037")
    assert main(["load", str(tmp_path / "in")]) == 1
    assert count(env, "participants") == 3  # Newcastle's return loaded, Gateshead's rejected
    out = capsys.readouterr().out
    assert "rejected" in out and "E203" in out


def test_quarantine_loads_the_rest_and_exits_0_saying_how_many_were_held_back(
    env, tmp_path, capsys
):
    path = write_return(tmp_path / "in", bad_tables())
    assert main(["load", str(path), "--quarantine"]) == 0
    out = capsys.readouterr().out
    assert "loaded with quarantine" in out
    assert "held back" in out
    assert count(env, "participants") == 2
    assert count(env, "etl_held_back") >= 1


def test_corrupt_file_exits_1_without_a_traceback(env, tmp_path, capsys):
    path = tmp_path / "in" / "LFO_E08000021_2017-18_Q3.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"this is not a workbook")
    assert main(["load", str(path)]) == 1
    captured = capsys.readouterr()
    assert "E101" in captured.out
    assert "Traceback" not in captured.err + captured.out


def test_file_with_a_bad_name_in_a_folder_is_checked_and_gets_e102(env, tmp_path, capsys):
    write_return(tmp_path / "in")
    write_return(tmp_path / "in", name="Newcastle return.zip")
    assert main(["validate", str(tmp_path / "in")]) == 1
    assert "E102" in capsys.readouterr().out


# --- the command could not run: exit 2, one clear line ----------------------------------------


def test_verbose_logs_the_traceback_of_a_failure(env, tmp_path, capsys):
    assert main(["load", str(tmp_path / "nowhere.zip"), "--verbose"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "UsageError" in err
    assert err.rstrip().splitlines()[-1].startswith("python -m etl: error:")


def test_missing_path_exits_2_with_one_clear_line(env, tmp_path, capsys):
    assert main(["load", str(tmp_path / "nowhere.zip")]) == 2
    assert_one_clear_line(capsys.readouterr().err, "nowhere.zip", "does not exist")
    assert not (tmp_path / "lfo.db").exists()


@pytest.mark.parametrize("contents", [[], ["notes.txt", "returns.csv"]])
def test_folder_with_no_returns_exits_2(env, tmp_path, capsys, contents):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in contents:
        (folder / name).write_text("x")
    assert main(["validate", str(folder)]) == 2
    assert_one_clear_line(capsys.readouterr().err, "holds no returns")


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/a-file/lfo.db", "postgresql://localhost:1/lfo"],
    ids=["sqlite-under-a-file", "postgresql-nobody-listening"],
)
def test_load_into_an_unreachable_database_exits_2(env, tmp_path, capsys, url):
    (tmp_path / "a-file").write_text("not a folder")
    path = write_return(tmp_path / "in")
    assert main(["load", str(path), "--db", url.format(tmp=tmp_path)]) == 2
    assert_one_clear_line(capsys.readouterr().err, "database")


def test_validate_against_an_unreachable_server_exits_2(env, tmp_path, capsys):
    path = write_return(tmp_path / "in")
    assert main(["validate", str(path), "--db", "postgresql://localhost:1/lfo"]) == 2
    assert_one_clear_line(capsys.readouterr().err, "database")


def test_another_load_in_progress_exits_2(env, tmp_path, capsys):
    from etl.lock import load_lock
    from lfo.db import writer_engine

    path = write_return(tmp_path / "in")
    engine = writer_engine(env)
    with load_lock(engine, wait=0):
        assert main(["load", str(path)]) == 2
    engine.dispose()
    assert_one_clear_line(capsys.readouterr().err, "another load is in progress")


def test_io_failure_during_a_load_exits_2(env, tmp_path, monkeypatch, capsys):
    (tmp_path / "a-file").write_text("the archive cannot be made under a file")
    monkeypatch.setenv("LFO_ARCHIVE_DIR", str(tmp_path / "a-file" / "archive"))
    path = write_return(tmp_path / "in")
    assert main(["load", str(path)]) == 2
    captured = capsys.readouterr()
    assert "failed" in captured.out
    assert "Traceback" not in captured.err + captured.out
    assert count(env, "participants") == 0


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["load", "--bogus", "x.zip"], "unrecognized arguments: --bogus"),
        (["load"], "the following arguments are required: PATH"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
        (["generate", "--scale", "galactic"], "invalid choice: 'galactic'"),
        (["generate", "--seed", "many"], "invalid int value: 'many'"),
        (["template"], "the following arguments are required: --out"),
    ],
)
def test_bad_arguments_exit_2_with_argparse_message(env, capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["report.txt", "report", "report.xls"])
def test_report_with_an_unknown_extension_exits_2_before_loading(env, tmp_path, capsys, name):
    path = write_return(tmp_path / "in")
    assert main(["load", str(path), "--report", str(tmp_path / name)]) == 2
    assert_one_clear_line(capsys.readouterr().err, ".csv or .xlsx")
    assert not (tmp_path / "lfo.db").exists()


def test_report_that_cannot_be_written_exits_2_before_loading(env, tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    path = write_return(tmp_path / "in")
    assert main(["load", str(path), "--report", str(tmp_path / "a-file" / "r.csv")]) == 2
    assert_one_clear_line(capsys.readouterr().err, "cannot write in")
    assert not (tmp_path / "lfo.db").exists()


@pytest.mark.parametrize("command", ["validate", "load"])
def test_report_never_overwrites_the_return_being_checked(env, tmp_path, capsys, command):
    """return-spec v2 § 5: ``validate R.xlsx --report R.xlsx`` used to replace the LA's return
    with the report; now it exits 2 and the return is untouched."""
    path = write_return(tmp_path / "in", fmt="xlsx")
    before = path.read_bytes()
    assert main([command, str(path), "--report", str(path)]) == 2
    assert_one_clear_line(capsys.readouterr().err, "is a file being checked")
    assert path.read_bytes() == before
    assert not (tmp_path / "lfo.db").exists()


def test_report_is_never_written_into_a_folder_being_checked(env, tmp_path, capsys):
    """A report inside a folder of returns would be read as a return by the next command."""
    folder = tmp_path / "in"
    write_return(folder, fmt="xlsx")
    inside = folder / "findings.xlsx"
    assert main(["validate", str(folder), "--report", str(inside)]) == 2
    assert_one_clear_line(capsys.readouterr().err, "a folder being checked")
    assert not inside.exists()


def test_a_report_beside_the_return_is_written(env, tmp_path):
    path = write_return(tmp_path / "in")
    report = tmp_path / "findings.csv"
    assert main(["validate", str(path), "--report", str(report)]) == 0
    assert report.exists()


def test_help_exits_0(capsys):
    assert main(["load", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--db", "--report", "--quarantine", "--force", "--allow-shrink"):
        assert option in out


# --- options anywhere after the command name ----------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [
        ["load", "{f}", "--db", "{db}", "--report", "{r}"],
        ["load", "--db", "{db}", "--report", "{r}", "{f}"],
        ["load", "--report", "{r}", "{f}", "--db", "{db}"],
        ["load", "{f}", "--report={r}", "--db={db}", "--force"],
    ],
)
def test_db_and_report_are_accepted_anywhere_after_the_command(env, tmp_path, capsys, order):
    f = write_return(tmp_path / "in", bad_tables())
    db = f"sqlite:///{tmp_path / 'other.db'}"
    report = tmp_path / "out.csv"
    argv = [a.format(f=f, db=db, r=report) for a in order]
    assert main(argv) == 1
    assert (tmp_path / "other.db").exists() and not (tmp_path / "lfo.db").exists()
    assert [r["code"] for r in read_report(report)] == ["E203"]


def test_paths_may_be_split_around_options(env, tmp_path):
    a = write_return(tmp_path / "in", area="E08000021")
    b = write_return(tmp_path / "in", area="E08000037")
    args = parse_args(["load", str(a), "--quarantine", str(b), "--db", env])
    assert args.paths == [a, b] and args.quarantine and args.db == env


def test_db_defaults_to_lfo_database_url(env, tmp_path):
    path = write_return(tmp_path / "in")
    assert main(["load", str(path)]) == 0
    assert (tmp_path / "lfo.db").exists()


# --- reports -----------------------------------------------------------------------------------


def test_csv_report_of_a_load_has_bom_columns_and_injection_guard(env, tmp_path):
    path = write_return(tmp_path / "in", bad_tables())
    report = tmp_path / "findings.csv"
    assert main(["load", str(path), "--report", str(report)]) == 1
    assert report.read_bytes().startswith(
        b"\xef\xbb\xbffile,sheet,row,column,value,code,severity,message\r\n"
    )
    rows = read_report(report)
    assert rows == [rows[0]]
    assert rows[0]["file"] == "LFO_E08000021_2017-18_Q3.zip"
    assert rows[0]["value"] == '\'=HYPERLINK("x")'
    assert (rows[0]["sheet"], rows[0]["row"], rows[0]["code"]) == ("participants", "2", "E203")


def test_xlsx_report_has_a_summary_sheet(env, tmp_path, capsys):
    write_return(tmp_path / "in", area="E08000021")
    write_return(tmp_path / "in", bad_tables(), area="E08000037")
    report = tmp_path / "findings.xlsx"
    assert main(["validate", str(tmp_path / "in"), "--report", str(report)]) == 1
    wb = load_workbook(report)
    assert wb.sheetnames == ["findings", "summary"]
    summary = wb["summary"]
    assert [c.value for c in summary[2]][:4] == ["E203", "error", "value not allowed", 1]
    assert wb["findings"]["E2"].value == '=HYPERLINK("x")'
    assert wb["findings"]["E2"].data_type == "s" and wb["findings"]["E2"].quotePrefix
    out = capsys.readouterr().out
    assert "Findings by code" in out and "value not allowed" in out


def test_report_of_a_clean_run_has_only_the_header(env, tmp_path):
    path = write_return(tmp_path / "in")
    report = tmp_path / "r.csv"
    assert main(["validate", str(path), "--report", str(report)]) == 0
    assert read_report(report) == []


# --- key file ----------------------------------------------------------------------------------


def test_first_load_says_it_created_the_key_file_and_to_back_it_up(env, tmp_path, capsys):
    path = write_return(tmp_path / "in")
    assert main(["load", str(path)]) == 0
    err = capsys.readouterr().err
    assert "BACK IT UP" in err and str(tmp_path / "lfo-id.key") in err
    other = write_return(tmp_path / "in2", area="E08000037")
    assert main(["load", str(other)]) == 0
    assert "BACK IT UP" not in capsys.readouterr().err


# --- file order --------------------------------------------------------------------------------


def test_folder_files_are_taken_by_period_then_la_then_name_bad_names_last(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    names = [
        "LFO_E09000008_2017-18_Q1.zip",
        "LFO_E08000021_2017-18_Q1.xlsx",
        "LFO_E08000021_2016-17_Q4.zip",
        "zzz.zip",
        "LFO_E08000021_2017-18_Q1.zip",
        "LFO_E08000021_2017-19_Q1.zip",
        "Another.xlsx",
        "LFO_E08000021_2018-19_Q1.ZIP",
        "notes.txt",
        "~$LFO_E08000021_2017-18_Q1.xlsx",
    ]
    for name in names:
        (folder / name).write_text("x")
    (folder / "sub").mkdir()
    (folder / "sub" / "LFO_E06000009_2016-17_Q1.zip").write_text("x")
    files, skipped = collect_files([folder])
    assert [p.name for p in files] == [
        "LFO_E08000021_2016-17_Q4.zip",
        "LFO_E08000021_2017-18_Q1.xlsx",
        "LFO_E08000021_2017-18_Q1.zip",
        "LFO_E09000008_2017-18_Q1.zip",
        "LFO_E08000021_2018-19_Q1.ZIP",
        "Another.xlsx",
        "LFO_E08000021_2017-19_Q1.zip",
        "zzz.zip",
    ]
    assert sorted(p.name for p in skipped) == ["notes.txt", "~$LFO_E08000021_2017-18_Q1.xlsx"]


def test_a_file_named_directly_is_taken_whatever_its_extension(tmp_path):
    path = tmp_path / "return.csv"
    path.write_text("x")
    files, skipped = collect_files([path, path])
    assert files == [path] and skipped == []


def test_skipped_files_are_listed(env, tmp_path, capsys):
    write_return(tmp_path / "in")
    (tmp_path / "in" / "notes.txt").write_text("x")
    assert main(["validate", str(tmp_path / "in")]) == 0
    assert "skipped" in capsys.readouterr().out


# --- status, areas, template, generate ---------------------------------------------------------


def test_status_shows_one_line_per_la_with_its_current_return(env, tmp_path, capsys):
    write_return(tmp_path / "in", area="E08000021")
    write_return(tmp_path / "in", bad_tables(), area="E08000037")
    assert main(["load", str(tmp_path / "in")]) == 1
    capsys.readouterr()
    assert main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    newcastle = next(line for line in lines if "E08000021" in line)
    assert "2017-18_Q3" in newcastle
    assert [int(n) for n in newcastle.replace(",", "").split() if n.isdigit()][:4] == [3, 4, 6, 0]
    gateshead = next(line for line in lines if "E08000037" in line)
    assert "rejected" in gateshead and "2017-18_Q3" in gateshead
    assert sum(re.search(r"\bE[0-9]{8}\b", line) is not None for line in lines) == 12


def test_status_without_a_database_exits_2_and_creates_nothing(env, tmp_path, capsys):
    assert main(["status"]) == 2
    assert_one_clear_line(capsys.readouterr().err, "does not exist")
    assert not (tmp_path / "lfo.db").exists()


def test_areas_adds_and_updates_then_returns_for_the_new_area_load(env, tmp_path, capsys):
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "gss_code,name,region,families,annual_target\n"
        "E06000059,Dorset Council,South West,36000,140\n"
        "E08000021,Newcastle upon Tyne,North East,35000,150\n"
    )
    assert main(["areas", str(areas)]) == 0
    out = capsys.readouterr().out
    assert "1 area(s) added: E06000059" in out and "1 area(s) updated: E08000021" in out
    assert count(env, "areas") == 13
    path = write_return(tmp_path / "in", area="E06000059", period="2019-20_Q1")
    assert main(["load", str(path)]) == 0


def test_bad_areas_file_exits_1_listing_every_problem(env, tmp_path, capsys):
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "gss_code,name,region,families,annual_target\n"
        "E6000059,Dorset Council,South West,36000,140\n"
        "E06000060,Bucks,South East,-1,140\n"
    )
    assert main(["areas", str(areas)]) == 1
    err = capsys.readouterr().err
    assert "line 2: gss_code 'E6000059'" in err and "line 3: families '-1'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "lfo.db").exists()


def test_areas_with_a_missing_file_exits_2(env, tmp_path, capsys):
    assert main(["areas", str(tmp_path / "none.csv")]) == 2
    assert_one_clear_line(capsys.readouterr().err, "does not exist")


def test_template_command_writes_the_workbook(env, tmp_path, capsys):
    out = tmp_path / "t" / "LFO_template.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    assert load_workbook(out).sheetnames[:3] == ["participants", "interventions", "outcomes"]


def test_report_of_a_command_without_findings_has_only_its_header(env, tmp_path):
    report = tmp_path / "r.csv"
    assert main(["template", "--report", str(report), "--out", str(tmp_path / "t.xlsx")]) == 0
    assert (
        report.read_bytes() == b"\xef\xbb\xbffile,sheet,row,column,value,code,severity,message\r\n"
    )


def test_template_with_a_csv_name_exits_2(env, tmp_path, capsys):
    assert main(["template", "--out", str(tmp_path / "t.csv")]) == 2
    assert_one_clear_line(capsys.readouterr().err, "xlsx")


@pytest.mark.slow
def test_generate_writes_pilot_returns_that_validate(env, tmp_path, capsys):
    out = tmp_path / "returns"
    assert main(["generate", "--out", str(out), "--seed", "7"]) == 0
    text = capsys.readouterr().out
    assert "pilot return file(s)" in text and "faulty" in text
    last = sorted(out.rglob("LFO_E06000009_2018-19_Q4.*"))
    assert last
    assert main(["validate", *map(str, last)]) == 0


# --- through python -m etl, in a subprocess ------------------------------------------------------


def run_etl(*args: str, env_vars: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env_vars, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=env_vars["CWD"],
        timeout=120,
    )


@pytest.fixture
def sub_env(tmp_path) -> dict[str, str]:
    return {
        "LFO_ARCHIVE_DIR": str(tmp_path / "archive"),
        "LFO_ID_KEY_FILE": str(tmp_path / "key"),
        "LFO_DATABASE_URL": "",
        "CWD": str(tmp_path),
    }


def test_python_m_etl_load_with_options_after_the_paths(tmp_path, sub_env):
    path = write_return(tmp_path / "in")
    result = run_etl(
        "load", str(path), "--db", "sqlite:///x.db", "--report", "out.csv", env_vars=sub_env
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.db").exists() and (tmp_path / "out.csv").exists()
    assert "loaded" in result.stdout
    assert "\x1b[" not in result.stdout  # no terminal codes or progress bar in captured output


def test_python_m_etl_default_database_is_data_lfo_db(tmp_path, sub_env):
    path = write_return(tmp_path / "in")
    result = run_etl("validate", str(path), env_vars=sub_env)
    assert result.returncode == 0, result.stderr
    result = run_etl("load", str(path), env_vars=sub_env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "lfo.db").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("validate", "missing.zip"), "does not exist"),
        (("load", "in", "--db", "postgresql://localhost:1/x"), "database"),
        (("status", "--db", "sqlite:///nowhere/x.db"), "does not exist"),
        (("load", "in", "--nope"), "unrecognized arguments: --nope"),
    ],
)
def test_python_m_etl_failures_exit_2_without_a_traceback(tmp_path, sub_env, args, needle):
    write_return(tmp_path / "in")
    result = run_etl(*args, env_vars=sub_env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert needle in result.stderr


# --- documentation -------------------------------------------------------------------------------


def test_every_command_option_and_setting_is_documented():
    from etl.cli import _parsers

    doc = (PROJECT / "docs" / "etl-cli.md").read_text()
    _, parsers = _parsers()
    for name, parser in parsers.items():
        assert f"### `{name}" in doc, name
        for action in parser._actions:
            for option in action.option_strings:
                assert f"`{option}" in doc or f"{option}`" in doc, (name, option)
    for variable in ("LFO_DATABASE_URL", "LFO_ARCHIVE_DIR", "LFO_ID_KEY_FILE", "LFO_TODAY"):
        assert f"`{variable}`" in doc, variable
    for status in ("| 0 |", "| 1 |", "| 2 |"):
        assert status in doc
    assert "90 days" in doc and "Back up the key" in doc


# --- progress bar ---------------------------------------------------------------------------------


class FakeTerminal:
    """A stderr that says it is a terminal and keeps what is written to it."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "redirected"])
def test_progress_bar_is_drawn_only_on_a_terminal(monkeypatch, tty):
    from etl.console import Progress

    fake = FakeTerminal(tty)
    monkeypatch.setattr(sys, "stderr", fake)
    with Progress("Loading", total=2) as bar:
        bar.advance(description="Loading (done: a.zip)")
        bar.update("Generating", 2, 2)
    if tty:
        assert "Loading" in fake.text or "Generating" in fake.text
    else:
        assert fake.text == ""
