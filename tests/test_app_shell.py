"""The dashboard shell through Flask's test client, its CLI, settings, query-string state and demo."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import socket
import subprocess
import sys
from pathlib import Path

import plotly.io as pio
import pytest
from sqlalchemy import insert
from support.dash_client import post_callback, route, send_callback
from support.text import count_h1, count_type, texts

from dashboard import ids, theme, urlstate
from dashboard.app import PAGES, create_app
from dashboard.callbacks import document_title
from dashboard.demo import DemoBuildError, build_demo, demo_commands, needs_demo
from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.access import users
from lfo.db import init_db, writer_engine
from lfo.periods import FinancialYear, Quarter

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "Local Family Offer monitoring"
N_REFERENCE_AREAS = (
    len((ROOT / "data/reference/areas.csv").read_text(encoding="utf-8").splitlines()) - 1
)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    """A real database with the reference tables and one current return (Newcastle, 2017-18 Q3)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shell') / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.returns).values(
                area_code="E08000021",
                period="2017-18_Q3",
                period_end=dt.date(2017, 12, 31),
                file_name="LFO_E08000021_2017-18_Q3.zip",
                sha256="0" * 64,
                load_id=1,
                loaded_at=dt.datetime(2018, 1, 15, 9, 30),
                rows_held_back=0,
            )
        )
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def client(db_url):
    return create_app(DashboardSettings(database_url=db_url)).server.test_client()


# --- the page and its assets ----------------------------------------------------------------------


def test_home_page_is_english_html_with_the_service_title(client):
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="en">' in html
    assert f"<title>{SERVICE}</title>" in html


def test_unknown_path_is_titled_page_not_found(client):
    html = client.get("/no-such-page").get_data(as_text=True)
    assert f"<title>Page not found – {SERVICE}</title>" in html


def test_home_page_has_exactly_one_h1(client):
    shell = client.get("/_dash-layout").get_json()
    page = route(client, "/")[ids.PAGE_CONTENT]["children"]
    assert count_type(shell, "H1") == 0
    assert count_type(page, "H1") == 1


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.path)
def test_every_page_has_one_h1_and_its_own_title(client, page):
    out = route(client, page.path)
    assert count_h1(out[ids.PAGE_CONTENT]["children"]) == 1
    assert out[ids.PAGE_TITLE]["data"] == document_title(opened_title(page), SERVICE)
    html = client.get(page.path).get_data(as_text=True)  # (the page's title, before any data)
    assert f"<title>{document_title(page.title, SERVICE)}</title>" in html


def opened_title(page) -> str:
    """A page's title at its own path: its ``title``, or for a page the router fills in (the
    area profile, with no area chosen at /area) the heading it fills in."""
    return "Choose an area" if page.prefill is not None else page.title


def test_shell_has_landmarks_and_a_skip_link_to_main(client):
    shell = client.get("/_dash-layout").get_json()
    for landmark in ("Header", "Nav", "Main", "Footer"):
        assert count_type(shell, landmark) == 1, landmark
    text = json.dumps(shell)
    assert f'"href": "#{ids.MAIN}"' in text
    assert "© Crown copyright" in texts(shell)


@pytest.mark.parametrize("asset", ["/assets/bootstrap.min.css", "/assets/site/app.css"])
def test_stylesheets_are_served_locally(client, asset):
    r = client.get(asset)
    assert r.status_code == 200
    assert r.mimetype == "text/css"


def test_page_loads_bootstrap_before_the_app_stylesheet(client):
    html = client.get("/").get_data(as_text=True)
    assert html.index("/assets/bootstrap.min.css") < html.index("/assets/site/app.css")


def test_html_and_layout_name_no_other_host(client):
    for path in ("/", "/_dash-layout", "/_dash-dependencies"):
        text = client.get(path).get_data(as_text=True).replace("\\u002f", "/")
        hosts = re.findall(r"https?://([^/\"'\s:]+)", text)
        assert [h for h in hosts if h not in ("127.0.0.1", "localhost")] == [], path


def test_every_script_and_stylesheet_is_a_local_path(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)
    assert urls, "no scripts or stylesheets found"
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls


def test_plotly_js_is_the_local_basic_bundle_of_plotly_pys_version(client):
    """The page loads plotly.js's basic bundle (scatter, bar, pie: about a quarter of the full
    bundle's size) from assets/, of the version plotly.py writes its figures for; dcc.Graph uses
    it instead of fetching the full bundle when its first graph appears."""
    from plotly.offline import get_plotlyjs_version

    html = client.get("/").get_data(as_text=True)
    assert "/assets/plotly-basic.min.js" in html
    assert "plotly.min.js" not in html
    bundle = client.get("/assets/plotly-basic.min.js").get_data(as_text=True)
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in bundle[:200]
    assert "window.Plotly = Plotly" in bundle[-2000:]


def test_dcc_graphs_code_is_asked_for_with_the_pages_scripts(client):
    """dcc.Graph's code is a chunk Dash's components load only once a layout holds a graph; the
    page preloads it (the area profile comes with its charts in its first layout), by the name
    the components' bundle asks for, and it is served."""
    import dash

    html = client.get("/").get_data(as_text=True)
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="script">', html)
    assert preloads == ["/_dash-component-suites/dash/dcc/async-graph.js"]
    bundle = (Path(dash.__file__).parent / "dcc" / "dash_core_components.js").read_text()
    assert '"async-graph"' in bundle  # the chunk's name in the bundle's loader
    chunk = client.get(preloads[0])
    assert chunk.status_code == 200 and "javascript" in chunk.headers["Content-Type"]


def test_text_is_gzipped_for_browsers_that_accept_it(client):
    import gzip

    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*?src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*?href="([^"]+\.css[^"]*)"', html)
    assert scripts and styles
    for url in [*scripts, *styles, "/_dash-layout", "/_dash-dependencies"]:
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert "Content-Encoding" not in plain.headers, url
        assert "Accept-Encoding" in packed.headers.get("Vary", ""), url
        if len(plain.data) >= 1024:
            assert packed.headers["Content-Encoding"] == "gzip", url
            assert gzip.decompress(packed.data) == plain.data, url
            assert len(packed.data) < len(plain.data), url
    answer = send_callback(
        client,
        [(ids.PAGE_CONTENT, "children"), (ids.PAGE_TITLE, "data")],
        [{"id": ids.URL, "property": "pathname", "value": "/definitions"}],
        [{"id": ids.URL, "property": "search", "value": ""}],
        headers={"Accept-Encoding": "gzip"},
    )
    assert answer.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(answer.data))["response"][ids.PAGE_TITLE]["data"]


def test_versioned_assets_may_be_cached_for_long(client):
    html = client.get("/").get_data(as_text=True)
    versioned = re.findall(r'"(/assets/[^"?]+\?m=[^"]+)"', html)
    assert versioned
    for url in versioned:
        assert "max-age=31536000" in client.get(url).headers["Cache-Control"], url
    assert "max-age=31536000" not in client.get("/assets/site/app.css").headers.get(
        "Cache-Control", ""
    )


def test_charts_use_only_the_trace_types_of_the_basic_bundle():
    used = set()
    for source in (ROOT / "dashboard").rglob("*.py"):
        used |= set(re.findall(r"\bgo\.([A-Z][A-Za-z]*)\(", source.read_text(encoding="utf-8")))
    traces = used - {"Figure", "Layout"}
    assert traces, "no chart traces found: has the chart code moved?"
    assert traces <= {"Scatter", "Bar", "Pie"}, traces


def layout_opened_at(client, url: str | None) -> dict:
    headers = {"Referer": url} if url else {}
    return client.get("/_dash-layout", headers=headers).get_json()


def find(tree: object, component_id: str) -> dict | None:
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree
        for value in tree.values():
            found = find(value, component_id)
            if found is not None:
                return found
    if isinstance(tree, list):
        for value in tree:
            found = find(value, component_id)
            if found is not None:
                return found
    return None


def nav_links(tree: object) -> list[dict]:
    if isinstance(tree, dict):
        own = tree.get("props", {}).get("id")
        found = [tree] if isinstance(own, dict) and own.get("type") == "nav-link" else []
        return found + [n for v in tree.values() for n in nav_links(v)]
    if isinstance(tree, list):
        return [n for v in tree for n in nav_links(v)]
    return []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.path)
def test_first_layout_comes_with_the_page_it_was_opened_at(client, page):
    layout = layout_opened_at(client, f"http://localhost{page.path}?period=2017-18_Q3")
    content = find(layout, ids.PAGE_CONTENT)["props"]["children"]
    assert count_h1(content) == 1
    assert content == route(client, page.path, "?period=2017-18_Q3")[ids.PAGE_CONTENT]["children"]
    location = find(layout, ids.URL)["props"]
    assert (location["pathname"], location["search"]) == (page.path, "?period=2017-18_Q3")
    assert find(layout, ids.PAGE_TITLE)["props"]["data"] == document_title(
        opened_title(page), SERVICE
    )
    current = [
        link["props"]["id"]["path"]
        for link in nav_links(layout)
        if "lfo-nav__link--current" in link["props"]["className"]
    ]
    assert current == [page.path]


def test_first_layout_of_an_area_profile_and_of_an_unknown_page(client):
    area = layout_opened_at(client, "http://localhost/area/E08000021")
    assert find(area, ids.AREA_STATE)["props"]["data"] == {"code": "E08000021", "search": ""}
    missing = layout_opened_at(client, "http://localhost/nowhere")
    assert "There is no page at /nowhere" in texts(find(missing, ids.PAGE_CONTENT))
    assert find(missing, ids.PAGE_TITLE)["props"]["data"] == f"Page not found – {SERVICE}"


@pytest.mark.parametrize(
    "referrer",
    [None, "http://elsewhere.example/reach", "file:///reach", "https://localhost/reach"],
)
def test_first_layout_without_a_same_site_address_is_the_bare_shell(client, referrer):
    layout = layout_opened_at(client, referrer)
    assert find(layout, ids.PAGE_CONTENT)["props"].get("children") is None
    location = find(layout, ids.URL)["props"]
    assert location.get("pathname") is None and location.get("search") is None
    assert count_h1(layout) == 0


def test_router_and_navigation_wait_for_the_address_to_change(client):
    """The first page is in the layout, so the router runs only when the address changes (or
    when the location component announces an address the layout did not know)."""
    deps = client.get("/_dash-dependencies").get_json()
    router = [d for d in deps if d["output"].startswith(f"..{ids.PAGE_CONTENT}.children")]
    nav = [d for d in deps if "nav-link" in d["output"] and "className" in d["output"]]
    assert len(router) == 1 and len(nav) == 1
    assert router[0]["prevent_initial_call"] is True
    assert nav[0]["prevent_initial_call"] is True


def test_version_check_is_off(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r'id="_dash-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["disable_version_check"] is True
    assert config["dash_version_url"] == ""


# --- callbacks ---------------------------------------------------------------------------------


def test_router_gives_home_title_and_not_found_page(client):
    assert route(client, "/")[ids.PAGE_TITLE]["data"] == SERVICE
    missing = route(client, "/nowhere")
    assert missing[ids.PAGE_TITLE]["data"] == f"Page not found – {SERVICE}"
    assert "There is no page at /nowhere" in texts(missing[ids.PAGE_CONTENT]["children"])


def test_nav_marks_the_current_page_for_sight_and_screen_readers(client):
    link = ids.nav_link("/")
    pattern = '{"path":["ALL"],"type":"nav-link"}'
    r = send_callback(
        client,
        [[(link, "className")], [(link, "children")]],
        [{"id": ids.URL, "property": "pathname", "value": "/"}],
        output=f"..{pattern}.className...{pattern}.children..",
    )
    assert r.status_code == 200, r.data[:300]
    response = r.get_json()["response"]
    key = json.dumps(link, separators=(",", ":"), sort_keys=True)
    assert "lfo-nav__link--current" in response[key]["className"]
    assert "(current page)" in texts(response[key]["children"])


def test_home_lists_areas_with_their_current_return(client):
    out = post_callback(
        client,
        [(ids.HOME_LOADED, "children")],
        [{"id": ids.HOME_STATE, "property": "data", "value": {"search": ""}}],
    )
    text = texts(out[ids.HOME_LOADED]["children"])
    assert f"1 of {N_REFERENCE_AREAS} programme areas have a return loaded." in text
    assert "Newcastle upon Tyne" in text
    assert "2017-18 Q3" in text


def test_footer_shows_when_the_data_was_loaded(client):
    out = post_callback(
        client,
        [(ids.DATA_AS_AT, "children")],
        [{"id": ids.URL, "property": "pathname", "value": "/"}],
    )
    assert out[ids.DATA_AS_AT]["children"] == "15 January 2018, 09:30"


def test_missing_database_gives_a_message_not_an_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    client = create_app(DashboardSettings(database_url=url)).server.test_client()
    assert client.get("/").status_code == 200
    out = post_callback(
        client,
        [(ids.HOME_LOADED, "children")],
        [{"id": ids.HOME_STATE, "property": "data", "value": {"search": ""}}],
    )
    assert "The data cannot be shown just now" in texts(out[ids.HOME_LOADED]["children"])
    asat = post_callback(
        client,
        [(ids.DATA_AS_AT, "children")],
        [{"id": ids.URL, "property": "pathname", "value": "/"}],
    )
    assert asat[ids.DATA_AS_AT]["children"] == "not available"
    assert not (tmp_path / "absent.db").exists()


def test_empty_database_says_no_returns_are_loaded(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    init_db(writer_engine(url))
    client = create_app(DashboardSettings(database_url=url)).server.test_client()
    out = post_callback(
        client,
        [(ids.HOME_LOADED, "children")],
        [{"id": ids.HOME_STATE, "property": "data", "value": {"search": ""}}],
    )
    assert f"No returns are loaded yet for the {N_REFERENCE_AREAS} programme areas." in texts(
        out[ids.HOME_LOADED]["children"]
    )


def test_two_apps_in_one_process_each_answer_their_callbacks(db_url, tmp_path):
    first = create_app(DashboardSettings(database_url=db_url)).server.test_client()
    second = create_app(DashboardSettings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    second_client = second.server.test_client()
    for c in (first, second_client):
        assert route(c, "/")[ids.PAGE_TITLE]["data"] == SERVICE


def test_create_app_does_not_open_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'not-yet.db'}"
    create_app(DashboardSettings(database_url=url))
    assert not (tmp_path / "not-yet.db").exists()


# --- theme ---------------------------------------------------------------------------------------


def test_graph_config_never_offers_the_cloud_or_the_logo():
    assert "sendChartToCloud" in theme.GRAPH_CONFIG["modeBarButtonsToRemove"]
    assert theme.GRAPH_CONFIG["displaylogo"] is False
    assert theme.GRAPH_CONFIG["showSendToCloud"] is False


def test_factory_makes_the_af_template_the_default(db_url):
    create_app(DashboardSettings(database_url=db_url))
    assert pio.templates.default == theme.TEMPLATE_NAME
    colorway = pio.templates[theme.TEMPLATE_NAME].layout.colorway
    # The Analysis Function categorical palette, in order (afcharts-py af_colours.yaml).
    assert list(colorway) == ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]


# --- settings --------------------------------------------------------------------------------------


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("LFO_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("LFO_SUPPRESSION_THRESHOLD", "5")
    s = DashboardSettings.from_env()
    assert (s.database_url, s.suppression_threshold) == ("sqlite:///elsewhere.db", 5)
    assert (
        DashboardSettings.from_env(database_url="sqlite:///cli.db").database_url
        == "sqlite:///cli.db"
    )


def test_settings_default_to_the_etl_database_and_threshold_ten(monkeypatch):
    monkeypatch.delenv("LFO_DATABASE_URL", raising=False)
    monkeypatch.delenv("LFO_SUPPRESSION_THRESHOLD", raising=False)
    s = DashboardSettings.from_env()
    assert (s.database_url, s.suppression_threshold) == ("sqlite:///data/lfo.db", 10)


@pytest.mark.parametrize("bad", ["ten", "0", "-3", "1.5"])
def test_bad_suppression_threshold_is_refused_by_name(monkeypatch, bad):
    monkeypatch.setenv("LFO_SUPPRESSION_THRESHOLD", bad)
    with pytest.raises(ValueError, match="LFO_SUPPRESSION_THRESHOLD"):
        DashboardSettings.from_env()


# --- URL state -------------------------------------------------------------------------------------

AREA = urlstate.Param("area", parse=urlstate.gss_code)
PERIOD = urlstate.Param("period", parse=urlstate.period)
BREAKDOWN = urlstate.Param("by", parse=urlstate.choice(["sex", "age_band"]), default="sex")
MEASURES = urlstate.Param("measure", many=True)
PARAMS = [AREA, PERIOD, BREAKDOWN, MEASURES]


def test_query_values_are_parsed_and_typed():
    state = urlstate.parse_query(
        "?area=e08000021&period=2017-18_Q3&by=AGE_BAND&measure=csi4&measure=ops", PARAMS
    )
    assert state.ok
    assert state.values == {
        "area": "E08000021",
        "period": Quarter(2017, 3),
        "by": "age_band",
        "measure": ("csi4", "ops"),
    }


def test_missing_query_values_take_their_defaults():
    assert urlstate.parse_query("", PARAMS).values == {
        "area": None,
        "period": None,
        "by": "sex",
        "measure": (),
    }
    assert urlstate.parse_query(None, PARAMS).ok


@pytest.mark.parametrize(
    ("search", "name", "message"),
    [
        ("?area=X123", "area", "area code is a letter and eight digits"),
        ("?period=2017-19", "period", "second year must be the year after"),
        ("?by=colour", "by", "choose one of sex, age_band"),
        ("?colour=red", None, "unknown setting 'colour'"),
        ("?area=E08000021&area=E08000037", None, "given 2 times"),
    ],
)
def test_bad_query_values_fall_back_with_a_message(search, name, message):
    state = urlstate.parse_query(search, PARAMS)
    assert not state.ok
    assert any(message in m for m in state.messages), state.messages
    if name is not None:
        assert state.values[name] == {"area": None, "period": None, "by": "sex"}[name]


def test_an_overlong_query_is_ignored_with_a_message():
    state = urlstate.parse_query("?area=" + "E" * 5000, PARAMS)
    assert state.values["area"] is None
    assert "too long" in state.messages[0]


def test_query_round_trips_and_leaves_out_defaults():
    values = {
        "area": "E08000021",
        "period": FinancialYear(2017),
        "by": "sex",
        "measure": ("csi4", "ops"),
    }
    search = urlstate.to_query(values, PARAMS)
    assert search == "?area=E08000021&period=2017-18&measure=csi4&measure=ops"
    assert urlstate.parse_query(search, PARAMS).values == values
    assert urlstate.to_query({"by": "sex"}, PARAMS) == ""


# --- the command line and the first-start demo -------------------------------------------------------


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_cli_help_lists_host_port_and_db():
    done = run_cli("--help")
    assert done.returncode == 0
    for option in ("--host", "--port", "--db"):
        assert option in done.stdout


def test_cli_refuses_an_unreadable_database_in_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("this is not a database")
    done = run_cli("--db", f"sqlite:///{junk}", "--port", str(free_port()))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("error:") and "Traceback" not in done.stderr


def test_cli_refuses_a_port_in_use_in_one_line(db_url):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_cli("--db", db_url, "--port", str(port))
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_without_demo_says_how_to_load_data(tmp_path):
    done = run_cli(
        "--db", f"sqlite:///{tmp_path / 'none.db'}", "--no-demo", "--port", str(free_port())
    )
    assert done.returncode == 2
    assert "python -m etl load" in done.stderr


def test_demo_runs_the_etl_generate_then_load_commands():
    generate, load = demo_commands("sqlite:///data/lfo.db", Path("data/returns/pilot"), "python")
    assert generate == [
        "python",
        "-m",
        "etl",
        "generate",
        "--scale",
        "pilot",
        "--out",
        "data/returns/pilot",
    ]
    assert load == [
        "python",
        "-m",
        "etl",
        "load",
        "data/returns/pilot/zip",
        "--db",
        "sqlite:///data/lfo.db",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_python(folder: Path, load_exit: int) -> Path:
    """A stand-in for the interpreter that records each command line and exits like the ETL."""
    script = folder / "fake-python"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD|$PYTHONPATH|$*" >> "{folder / "calls.log"}"\n'
        f'if [ "$3" = "load" ]; then echo "2 files rejected" >&2; exit {load_exit}; fi\n'
        "exit 0\n"
    )
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("load_exit", [0, 1])
def test_demo_builder_runs_generate_then_load_from_the_working_directory(
    tmp_path, monkeypatch, load_exit
):
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    build_demo(
        "sqlite:///data/lfo.db", python=str(fake_python(tmp_path, load_exit)), say=said.append
    )
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert [c.split("|")[2] for c in calls] == [
        "-m etl generate --scale pilot --out data/returns/pilot",
        "-m etl load data/returns/pilot/zip --db sqlite:///data/lfo.db",
    ]
    assert all(c.split("|")[0] == str(tmp_path) for c in calls)
    assert all(str(ROOT) in c.split("|")[1] for c in calls)
    assert said[0].startswith("No database at sqlite:///data/lfo.db: building the demo database")
    assert said[-1] == "Demo database ready."


def test_demo_builder_stops_with_the_etl_reason_when_load_fails(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DemoBuildError, match=r"loading the demo returns failed.*2 files rejected"):
        build_demo(
            "sqlite:///data/lfo.db", python=str(fake_python(tmp_path, 2)), say=lambda _m: None
        )


def test_demo_is_needed_only_when_the_database_is_missing(db_url, tmp_path):
    assert not needs_demo(db_url)
    assert needs_demo(f"sqlite:///{tmp_path / 'nothing.db'}")


def test_wsgi_entry_point_serves_the_app_from_environment_settings(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LFO_DATABASE_URL", db_url)
    monkeypatch.setenv("LFO_BASE_URL", "http://localhost")  # the service needs its address
    monkeypatch.setenv("LFO_SECRETS_KEY_FILE", str(tmp_path / "secrets.key"))
    monkeypatch.setenv("LFO_CACHE_DIR", str(tmp_path / "cache"))  # (not the shared default)
    engine = writer_engine(db_url)
    with engine.begin() as conn:  # and a user (issue 12)
        if users.find_user(conn, "lead@example.org") is None:
            users.add_user(conn, "lead@example.org", "programme")
    engine.dispose()
    sys.modules.pop("dashboard.wsgi", None)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {n: logging.getLogger(n).level for n in ("dashboard", "lfo", "etl")}
    try:
        import dashboard.wsgi as wsgi

        # the entry point configures logging (each gunicorn worker imports it)
        assert len(root.handlers) == len(handlers) + 1
        client = wsgi.server.test_client()
        assert client.get("/").headers["Location"] == "/sign-in?next=/"  # sign-in mode
        assert client.get("/sign-in").status_code == 200
        assert wsgi.app.services.settings.database_url == db_url
        warmer = wsgi.app.services.data._warmer  # it makes results ahead (LFO_WARM_CACHE=1)
        assert warmer is not None and warmer.is_alive()
    finally:
        # left running, that thread would read the database (its version every 5 s) in every
        # later test of this process: tests/test_version_reads.py counts statements
        served = sys.modules.get("dashboard.wsgi")
        if served is not None:
            served.app.services.data.stop_warming()
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
    assert not warmer.is_alive()
