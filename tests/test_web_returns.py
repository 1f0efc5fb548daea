"""The returns pages, /returns (issue 13 §§ 1–3), through the web with the Flask test client over
the real accounts layer, gate, audit log and job queue: uploading (the file kept under its
canonical name, 0600, with one submission, one check job and one audit row), who may upload, see
and submit for which LA, bad input refused with a clear message and nothing kept, the 50 MB limit
(413 before anything is kept), the findings table and report files equal to the CLI's, paging and
filters, and submitting (the confirmation required, one load job however often it is pressed)."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support.accounts import GATESHEAD, NEWCASTLE, engine, key
from support.dumps import TODAY
from support.returns import valid_tables, write_return
from support.web import small_db
from support.web_auth import (
    SAME_SITE,
    audit_rows,
    csrf_of,
    make_app,
    person,
    sign_in,
    url_of,
)

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web import submissions_page
from dashboard.web.submission_report import PAGE_ROWS
from etl.cli import main as etl_main
from lfo import schema_jobs, submissions
from lfo.db import writer_engine
from lfo.schema_submissions import submissions as submissions_table

__all__ = ["engine", "key"]  # fixtures

ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


@pytest.fixture
def world(engine, key, tmp_path, monkeypatch):
    monkeypatch.setenv("LFO_TODAY", TODAY)
    monkeypatch.setenv("LFO_UPLOADS_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("LFO_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("LFO_ID_KEY_FILE", str(tmp_path / "keys" / "lfo-id.key"))
    monkeypatch.setenv("LFO_DATABASE_URL", url_of(engine))  # the CLI's, to compare with
    app_client = make_app(engine, tmp_path)
    clients = {}
    for role, email, areas in (
        ("programme", "pat@example.org", ()),
        ("la", "ann@example.org", (NEWCASTLE,)),
        ("researcher", "rae@example.org", ()),
    ):
        who = person(engine, key, email, role, areas=areas)
        clients[role] = app_client()
        assert sign_in(clients[role], who).status_code == 303
    clients["anonymous"] = app_client()
    return {"engine": engine, "clients": clients, "uploads": tmp_path / "uploads", "tmp": tmp_path}


def faulty_tables(extra: int = 60) -> dict[str, list[dict]]:
    """A return with an error in each of ``extra`` more participants (a formula-like value, and
    one with a control character)."""
    tables = valid_tables()
    model = tables["participants"][0]
    for i in range(extra):
        tables["participants"].append(
            {**model, "participant_id": f"PX{i:03d}", "family_id": f"FX{i:03d}", "sex": "=1+1"}
        )
    tables["participants"][-1]["age_band"] = "old\x1b[31m"
    return tables


def upload(client, data, *, file=None, name="LFO_E08000021_2017-18_Q3.zip", csrf=True):
    form = {"area": NEWCASTLE, "period": "2017-18_Q3", **data}
    if csrf:
        form["csrf"] = csrf_of(client.get("/returns").get_data(as_text=True))
    if file is not None:
        form["file"] = (io.BytesIO(file), name)
    return client.post(
        "/returns/upload", data=form, content_type="multipart/form-data", headers=SAME_SITE
    )


def rows_of(engine, table):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def kept_files(uploads: Path) -> list[Path]:
    return [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []


def uploaded(world, tables=None, role="programme", area=NEWCASTLE):
    """A return uploaded through the page; its submission id and the file as written."""
    path = write_return(world["tmp"] / "sent", tables, area=area, fmt="zip")
    answer = upload(world["clients"][role], {"area": area}, file=path.read_bytes(), name=path.name)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rsplit("/", 1)[1]), path


def checked(world, submission_id: int, errors: int, warnings: int = 0) -> None:
    """What the check job records (its handler is another part of issue 13)."""
    summary = {
        "findings": [],
        "rows": {"participants": 3, "episodes": 4, "outcomes": 6},
        "changes": {
            t: {"added": 1, "changed": 0, "removed": 0, "unchanged": 0}
            for t in ("participants", "episodes", "outcomes")
        },
        "current_period": None,
    }
    with world["engine"].begin() as conn:
        submissions.record_check(
            conn, submission_id, errors=errors, warnings=warnings, summary=summary, message="done"
        )


def table_rows(html: str, caption: str) -> list[list[str]]:
    start = html.index(f"<caption>{caption}")
    body = html[start : html.index("</table>", start)]
    return [[unescape(c) for c in CELL.findall(r)] for r in ROW.findall(body)][1:]


# --- uploading ----------------------------------------------------------------------------------


def test_an_upload_is_kept_under_its_canonical_name_with_its_check_queued(world):
    content = write_return(world["tmp"] / "sent", fmt="xlsx", name="my return.XLSX").read_bytes()
    client = world["clients"]["programme"]
    answer = upload(client, {}, file=content, name="my return.XLSX")
    assert answer.status_code == 303
    [sub] = rows_of(world["engine"], submissions_table)
    assert answer.headers["Location"] == f"/returns/{sub['submission_id']}"
    kept = world["uploads"] / str(sub["submission_id"]) / "LFO_E08000021_2017-18_Q3.xlsx"
    assert kept.read_bytes() == content
    assert kept.stat().st_mode & 0o777 == 0o600
    assert kept.parent.stat().st_mode & 0o777 == 0o700
    assert kept_files(world["uploads"]) == [kept]
    assert sub["original_name"] == "my return.XLSX" and sub["state"] == "checking"
    assert sub["size_bytes"] == len(content)
    [job] = rows_of(world["engine"], schema_jobs.jobs)
    assert job["kind"] == "check-return" and job["job_id"] == sub["check_job_id"]
    assert json.loads(job["payload"]) == {"submission_id": sub["submission_id"]}
    [row] = [r for r in audit_rows(world["engine"]) if r["action"] == "upload"]
    assert row["outcome"] == "ok" and row["user_email"] == "pat@example.org"
    assert row["object"].endswith(f"LFO_E08000021_2017-18_Q3.xlsx sha256:{sub['sha256']}")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "my return.XLSX" in page and 'http-equiv="refresh"' in page and "Checking" in page


def test_an_la_lead_may_upload_for_their_own_las_only(world):
    page = world["clients"]["la"].get("/returns").get_data(as_text=True)
    assert f'value="{NEWCASTLE}"' in page and f'value="{GATESHEAD}"' not in page
    lead = world["clients"]["programme"].get("/returns").get_data(as_text=True)
    assert f'value="{GATESHEAD}"' in lead


def test_an_la_lead_posting_another_las_code_is_refused_and_nothing_kept(world):
    answer = upload(world["clients"]["la"], {"area": GATESHEAD}, file=b"PK", name="a.zip")
    assert answer.status_code == 403
    refused = [r for r in audit_rows(world["engine"]) if r["action"] == "refused"]
    assert refused and GATESHEAD in refused[-1]["object"]
    assert rows_of(world["engine"], submissions_table) == []
    assert kept_files(world["uploads"]) == []


def test_another_las_submission_is_refused_to_an_la_lead(world):
    submission_id, _ = uploaded(world, area=GATESHEAD)
    checked(world, submission_id, errors=0)
    ann = world["clients"]["la"]
    assert ann.get(f"/returns/{submission_id}").status_code == 403
    assert ann.get(f"/returns/{submission_id}/report.csv").status_code == 403
    csrf = csrf_of(ann.get("/returns").get_data(as_text=True))
    answer = ann.post(
        f"/returns/{submission_id}/submit",
        data={"csrf": csrf, "confirm": "yes"},
        headers=SAME_SITE,
    )
    assert answer.status_code == 403
    assert f"/returns/{submission_id}" not in ann.get("/returns").get_data(as_text=True)
    assert [j["kind"] for j in rows_of(world["engine"], schema_jobs.jobs)] == ["check-return"]


def test_researchers_are_refused_and_anonymous_visitors_sent_to_sign_in(world):
    assert world["clients"]["researcher"].get("/returns").status_code == 403
    answer = world["clients"]["anonymous"].get("/returns/1")
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/sign-in?next=")
    assert world["clients"]["programme"].get("/returns/999").status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "file", "said"),
    [
        ({"period": "2019-20_Q1"}, "a.zip", b"PK", "has not ended yet"),
        ({"period": "2015-16_Q4"}, "a.zip", b"PK", "before the programme began"),
        ({"period": "2017-18"}, "a.zip", b"PK", "is a financial year"),
        ({"period": "<script>"}, "a.zip", b"PK", "Choose the quarter"),
        ({"area": "E99999999"}, "a.zip", b"PK", "Choose the local authority"),
        ({}, "return.txt", b"hello", "does not end .xlsx or .zip"),
        ({}, "a.zip", None, "Choose the return"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_kept(world, data, name, file, said):
    answer = upload(world["clients"]["programme"], data, file=file, name=name)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert said in unescape(page) and "<script>" not in page
    assert rows_of(world["engine"], submissions_table) == []
    assert kept_files(world["uploads"]) == []


def test_an_upload_without_its_csrf_token_is_refused(world):
    answer = upload(world["clients"]["programme"], {}, file=b"PK", name="a.zip", csrf=False)
    assert answer.status_code == 403
    assert rows_of(world["engine"], submissions_table) == []


def test_an_upload_over_50_mb_is_refused_before_anything_is_kept(world):
    client = world["clients"]["programme"]
    csrf = csrf_of(client.get("/returns").get_data(as_text=True))
    big = 51 * 1024 * 1024
    answer = client.post(
        "/returns/upload",
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        headers=SAME_SITE,
        environ_overrides={"CONTENT_LENGTH": str(big)},
        query_string={"csrf": csrf},
    )
    assert answer.status_code == 413
    assert "at most 50 MB" in unescape(answer.get_data(as_text=True))
    assert not world["uploads"].exists() or list(world["uploads"].iterdir()) == []
    assert rows_of(world["engine"], submissions_table) == []


def test_a_file_part_over_the_limit_is_refused_and_deleted(world, monkeypatch, caplog):
    monkeypatch.setattr(submissions_page, "MAX_FILE_BYTES", 1000)
    answer = upload(world["clients"]["programme"], {}, file=b"x" * 5000, name="a.zip")
    assert answer.status_code == 413
    assert "remove unused sheets" in answer.get_data(as_text=True)
    assert kept_files(world["uploads"]) == []
    assert rows_of(world["engine"], submissions_table) == []
    assert "upload refused" in caplog.text


# --- the report ---------------------------------------------------------------------------------


def cli_report(world, path: Path, suffix: str) -> Path:
    report = world["tmp"] / f"cli-report{suffix}"
    etl_main(["validate", str(path), "--report", str(report)])
    return report


def test_the_findings_and_reports_are_the_clis(world):
    submission_id, path = uploaded(world, faulty_tables())
    checked(world, submission_id, errors=61)
    client = world["clients"]["programme"]
    cli_csv = cli_report(world, path, ".csv")
    with cli_csv.open(encoding="utf-8-sig", newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert len(expected) > PAGE_ROWS
    csv_answer = client.get(f"/returns/{submission_id}/report.csv")
    assert csv_answer.data == cli_csv.read_bytes()
    assert csv_answer.headers["Cache-Control"] == "no-store"
    assert "LFO_E08000021_2017-18_Q3_report.csv" in csv_answer.headers["Content-Disposition"]
    xlsx = client.get(f"/returns/{submission_id}/report.xlsx")
    got, want = (
        load_workbook(io.BytesIO(xlsx.data)),
        load_workbook(cli_report(world, path, ".xlsx")),
    )
    for sheet in ("findings", "summary"):
        assert [[c.value for c in r] for r in got[sheet].iter_rows()] == [
            [c.value for c in r] for r in want[sheet].iter_rows()
        ]
    downloads = [r for r in audit_rows(world["engine"]) if r["action"] == "download"]
    assert len(downloads) == 2
    shown = []
    for number in range(1, -(-len(expected) // PAGE_ROWS) + 1):
        page = client.get(f"/returns/{submission_id}?page={number}").get_data(as_text=True)
        assert "\x1b" not in page
        shown += table_rows(page, f"Findings {(number - 1) * PAGE_ROWS + 1} to")
    columns = ("sheet", "row", "column", "value", "code", "severity", "message")
    assert shown == [[r[c].removeprefix("'") for c in columns] for r in expected]
    assert any("old\\x1b[31m" in r for r in shown)


def test_the_findings_are_paged_and_filtered(world):
    submission_id, path = uploaded(world, faulty_tables())
    checked(world, submission_id, errors=61)
    client = world["clients"]["la"]
    with cli_report(world, path, ".csv").open(encoding="utf-8-sig", newline="") as handle:
        expected = list(csv.DictReader(handle))
    second = client.get(f"/returns/{submission_id}?page=2").get_data(as_text=True)
    rows = table_rows(second, f"Findings {PAGE_ROWS + 1} to")
    assert [r[1] for r in rows] == [e["row"] for e in expected[PAGE_ROWS : 2 * PAGE_ROWS]]
    code = expected[-1]["code"]
    page = client.get(f"/returns/{submission_id}?code={code}").get_data(as_text=True)
    picked = [e for e in expected if e["code"] == code]
    rows = table_rows(page, f"Findings 1 to {min(len(picked), PAGE_ROWS)} of {len(picked)}")
    assert {r[4] for r in rows} == {code}
    odd = client.get(f"/returns/{submission_id}?code=Z999&page=x").get_data(as_text=True)
    assert "no finding has code “Z999”" in unescape(odd)
    assert f"of {len(expected)} (page 1 of" in odd


# --- submitting ---------------------------------------------------------------------------------


def submit(client, submission_id, confirm=True):
    page = client.get(f"/returns/{submission_id}").get_data(as_text=True)
    data = {"csrf": csrf_of(page), **({"confirm": "yes"} if confirm else {})}
    return client.post(f"/returns/{submission_id}/submit", data=data, headers=SAME_SITE)


def load_jobs(world):
    return [j for j in rows_of(world["engine"], schema_jobs.jobs) if j["kind"] == "load-return"]


def test_submitting_needs_the_confirmation(world):
    submission_id, _ = uploaded(world, role="la")
    checked(world, submission_id, errors=0)
    answer = submit(world["clients"]["la"], submission_id, confirm=False)
    assert answer.status_code == 400
    assert "I confirm this return is complete and correct" in answer.get_data(as_text=True)
    assert load_jobs(world) == []


def test_a_double_submit_queues_one_load(world):
    submission_id, _ = uploaded(world, role="la")
    checked(world, submission_id, errors=0)
    client = world["clients"]["la"]
    page = client.get(f"/returns/{submission_id}").get_data(as_text=True)
    assert "Submit for loading" in page and "Rows the load would keep" in page
    for _ in range(2):
        answer = client.post(
            f"/returns/{submission_id}/submit",
            data={"csrf": csrf_of(page), "confirm": "yes"},
            headers=SAME_SITE,
        )
        assert answer.status_code == 303
    [job] = load_jobs(world)
    payload = json.loads(job["payload"])
    assert payload["submission_id"] == submission_id and payload["force"] is False
    assert Path(payload["path"]).is_file()
    [sub] = rows_of(world["engine"], submissions_table)
    assert sub["state"] == "submitted" and sub["load_job_id"] == job["job_id"]
    assert len([r for r in audit_rows(world["engine"]) if r["action"] == "submit"]) == 1


def test_a_return_with_errors_cannot_be_submitted(world):
    submission_id, _ = uploaded(world, faulty_tables(2), role="la")
    checked(world, submission_id, errors=3)
    client = world["clients"]["la"]
    page = client.get(f"/returns/{submission_id}").get_data(as_text=True)
    assert "Submit for loading" not in page and "cannot be submitted" in page
    answer = submit(client, submission_id)
    assert answer.status_code == 400 and "has errors" in answer.get_data(as_text=True)
    assert load_jobs(world) == []


def test_the_local_user_of_the_demo_uploads_and_is_shown_as_the_local_user(tmp_path, monkeypatch):
    monkeypatch.setenv("LFO_TODAY", TODAY)
    monkeypatch.setenv("LFO_UPLOADS_DIR", str(tmp_path / "uploads"))
    url = small_db(tmp_path / "lfo.db")
    settings = DashboardSettings(
        database_url=url, warm_cache=False, secrets_key_file=str(tmp_path / "s.key"), demo=True
    )
    client = create_app(settings).server.test_client()
    path = write_return(tmp_path / "sent")
    answer = upload(client, {}, file=path.read_bytes(), name=path.name)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "by local user" in page
    # the demo says what submitting does to it; a signed-in service does not
    assert "Submitting one loads it into the demo database" in client.get("/returns").get_data(
        as_text=True
    )
    engine = writer_engine(url)
    [row] = [r for r in audit_rows(engine) if r["action"] == "upload"]
    assert row["user_id"] is None and row["role"] == "programme"
    engine.dispose()


def test_the_template_is_offered_beside_the_upload_and_is_the_clis(world, tmp_path):
    client = world["clients"]["la"]
    listed = client.get("/returns").get_data(as_text=True)
    assert 'href="/returns/template.xlsx"' in listed and "demo database" not in listed
    answer = client.get("/returns/template.xlsx")
    assert answer.status_code == 200
    assert "LFO_return_template.xlsx" in answer.headers["Content-Disposition"]
    cli = tmp_path / "cli-template.xlsx"
    assert etl_main(["template", "--out", str(cli)]) == 0
    got, want = load_workbook(io.BytesIO(answer.data)), load_workbook(cli)
    assert got.sheetnames == want.sheetnames
    for sheet in want.sheetnames:
        assert [[c.value for c in r] for r in got[sheet].iter_rows()] == [
            [c.value for c in r] for r in want[sheet].iter_rows()
        ]
    assert world["clients"]["researcher"].get("/returns/template.xlsx").status_code == 403
