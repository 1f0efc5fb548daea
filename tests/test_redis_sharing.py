"""Several web hosts sharing through Redis (issue 15, part 3): two apps made by ``create_app`` with
the same ``LFO_REDIS_URL`` stand for two hosts, in front of a real ``redis-server`` started on
loopback (``support.redis_server``). Results made by one are read by the other, made once when
both ask at once, never served across a load; rate limits count across both; with Redis down
both still answer correctly and ``/healthz`` says so; when it is back, sharing resumes."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import pytest
from sqlalchemy import insert, update
from support.redis_server import redis_server
from support.web import NEWCASTLE, small_db
from support.web_auth import SAME_SITE
from test_download_attacks import new_download

import dashboard.services.indicator_data as data_module
from dashboard.app import create_app
from dashboard.services import redis_cache
from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.db import writer_engine

FIGURES = "/api/v1/data?indicator=uptake.completion&period=2017-18_Q2"


@pytest.fixture
def redis():
    try:
        with redis_server() as server:
            yield server
    except RuntimeError as exc:
        if "not installed" in str(exc):
            pytest.fail(str(exc))  # never a skip: the several-hosts proof must run everywhere
        raise


@pytest.fixture
def url(tmp_path):
    return small_db(tmp_path / "lfo.db")


@pytest.fixture
def made(monkeypatch):
    """Every engine computation (results and disclosure plans), by any app of this process."""
    calls: list[str] = []
    compute, plan = data_module.compute, data_module.make_plan
    monkeypatch.setattr(
        data_module,
        "compute",
        lambda conn, q, p=None: calls.append("result") or compute(conn, q, p),
    )
    monkeypatch.setattr(
        data_module, "make_plan", lambda conn, t: calls.append("plan") or plan(conn, t)
    )
    return calls


def two_hosts(url: str, redis_url: str, **settings: object):
    """Two apps (two hosts' processes) on one database and one Redis; their test clients."""
    apps = [
        create_app(
            DashboardSettings(database_url=url, warm_cache=False, redis_url=redis_url, **settings)
        )
        for _ in range(2)
    ]
    return [app.server.test_client() for app in apps]


def newcastle(client) -> float:
    """Newcastle's completions in 2017-18 Q2 as the API answers them."""
    answer = client.get(FIGURES)
    assert answer.status_code == 200
    rows = [r for r in answer.get_json()["data"] if r["area_code"] == NEWCASTLE]
    return rows[0]["numerator"]


def load(url: str, completed: int) -> None:
    """What a load does: log it and change the current data (a new data version)."""
    with writer_engine(url).begin() as conn:
        conn.execute(
            insert(schema.etl_load_log).values(
                file_name="x.zip",
                sha256="1" * 64,
                size_bytes=1,
                outcome="loaded",
                started_at=dt.datetime(2019, 5, 1),
            )
        )
        conn.execute(
            update(schema.sum_endings)
            .where(schema.sum_endings.c.area_code == NEWCASTLE)
            .values(completed=completed)
        )


def health(client) -> tuple[int, dict]:
    answer = client.get("/healthz")
    return answer.status_code, answer.get_json()


def test_a_result_made_by_one_host_is_read_by_the_other_not_made_again(url, redis, made):
    first, second = two_hosts(url, redis.url)
    assert newcastle(first) == 30
    assert made == ["plan", "result"]
    assert newcastle(second) == 30
    assert made == ["plan", "result"]  # the second host read both from Redis
    assert health(first) == (
        200,
        {"status": "ok", "warm": False, "all_made": False, "shared_cache": "ok"},
    )


def test_concurrent_requests_on_both_hosts_make_a_result_once(url, redis, made, monkeypatch):
    compute = data_module.compute

    def slow(conn, query, plan=None):  # long enough for every request to arrive meanwhile
        time.sleep(0.4)
        return compute(conn, query, plan)

    monkeypatch.setattr(data_module, "compute", slow)
    hosts = two_hosts(url, redis.url)
    start = threading.Barrier(6)
    answers: list[float] = []

    def ask(host):
        client = host.application.test_client()
        start.wait(10)
        answers.append(newcastle(client))

    threads = [threading.Thread(target=ask, args=(hosts[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [30] * 6
    assert made == ["plan", "result"]  # six requests on two hosts: each made once
    assert len(redis_keys(redis, "*")) >= 2  # plan and result stored


def redis_keys(server, pattern: str) -> list[bytes]:
    import redis as redis_py

    client = redis_py.Redis.from_url(server.url)
    try:
        return [k for k in client.keys(pattern) if not k.endswith(b":lock")]
    finally:
        client.close()


def test_a_load_is_never_served_the_old_result(url, redis, made):
    first, second = two_hosts(url, redis.url)
    assert newcastle(first) == 30 and newcastle(second) == 30
    load(url, completed=25)
    assert newcastle(second) == 25  # the new version is made again, by one host
    assert newcastle(first) == 25  # and read by the other
    assert made.count("result") == 2 and made.count("plan") == 2


def test_api_rate_limits_count_across_both_hosts(url, redis):
    first, second = two_hosts(url, redis.url, api_rate_limit="3/minute")
    statuses = [c.get("/api/v1/areas").status_code for c in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


def test_chart_image_quota_counts_across_both_hosts(url, redis):
    first, second = two_hosts(url, redis.url, image_rate_limit="2/minute")
    for client in (first, second):
        client.environ_base["HTTP_ORIGIN"] = SAME_SITE["Origin"]
    said = [
        new_download(c, "reach-trend", "png", {"not": "a view"})[1]["status"]
        for c in (first, second, first)
    ]
    assert "Too many chart image downloads" not in said[0] + said[1]
    assert "Too many chart image downloads: the limit is 2/minute" in said[2]


def test_with_redis_down_both_hosts_answer_and_health_says_so_then_sharing_resumes(
    url, redis, made, monkeypatch
):
    monkeypatch.setattr(redis_cache, "RETRY_SECONDS", 0.0)  # try Redis again at once
    first, second = two_hosts(url, redis.url)
    assert newcastle(first) == 30
    redis.stop()
    load(url, completed=27)
    assert newcastle(first) == 27 and newcastle(second) == 27  # each made its own: correct
    assert made.count("result") == 3
    assert health(first) == (
        200,
        {"status": "ok", "warm": False, "all_made": False, "shared_cache": "unavailable"},
    )
    redis.start()
    assert health(second)[1]["shared_cache"] == "ok"
    load(url, completed=26)
    assert newcastle(first) == 26 and newcastle(second) == 26
    assert made.count("result") == 4  # shared again: made by one host only


def test_with_redis_down_rate_limits_count_in_each_process(url, redis):
    first, second = two_hosts(url, redis.url, api_rate_limit="3/minute")
    assert first.get("/api/v1/areas").status_code == 200  # counted in Redis
    redis.stop()
    statuses = [first.get("/api/v1/areas").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # answered, and limited in this process's memory
    assert second.get("/api/v1/areas").status_code == 200  # its own count meanwhile


def test_a_redis_that_never_answers_costs_one_short_timeout_then_nothing():
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        shared = redis_cache.RedisResults(
            f"redis://127.0.0.1:{silent.getsockname()[1]}/0", "sqlite:///x.db", retry_seconds=60
        )
        waits = []
        for _ in range(3):
            started = time.perf_counter()
            assert shared.load(("v",), "k") is None
            shared.store(("v",), "k", "not stored")
            with shared.claim(("v",), "k"):
                pass
            waits.append(time.perf_counter() - started)
    assert waits[0] < 4 * (redis_cache.CONNECT_TIMEOUT + redis_cache.SOCKET_TIMEOUT)
    assert max(waits[1:]) < 0.05  # Redis left alone until the retry


def test_a_value_that_is_not_ours_is_never_unpickled(url, redis, made):
    import pickle

    import redis as redis_py

    (first, second) = two_hosts(url, redis.url)
    assert newcastle(first) == 30
    client = redis_py.Redis.from_url(redis.url)
    hostile = pickle.dumps(ValueError("would run on unpickling"))
    for name in redis_keys(redis, "lfo:*"):
        client.set(name, hostile)
    client.close()
    assert newcastle(second) == 30  # refused and made again, never unpickled
    assert made.count("result") == 2


@pytest.mark.parametrize(
    "value", ["redis://:pw@10.0.0.5:6379/0", "rediss://lfo:pw@redis.internal:6380/1", ""]
)
def test_the_redis_setting_takes_a_redis_address_or_nothing(monkeypatch, value):
    monkeypatch.setenv("LFO_REDIS_URL", value)
    assert DashboardSettings.from_env().redis_url == value


@pytest.mark.parametrize("value", ["10.0.0.5:6379", "http://:secret@10.0.0.5/", "redis://"])
def test_a_bad_redis_setting_says_what_is_expected_and_not_the_password(monkeypatch, value):
    monkeypatch.setenv("LFO_REDIS_URL", value)
    with pytest.raises(ValueError, match="LFO_REDIS_URL must be a Redis address") as raised:
        DashboardSettings.from_env()
    assert "secret" not in str(raised.value)


def test_one_host_without_redis_answers_health_as_before(url):
    client = create_app(DashboardSettings(database_url=url, warm_cache=False)).server.test_client()
    assert health(client) == (200, {"status": "ok", "warm": False, "all_made": False})


def test_a_host_started_while_redis_is_down_serves_and_says_so(url, made):
    with socket.socket() as closed:  # a free port nothing listens on: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    (host, _) = two_hosts(url, f"redis://127.0.0.1:{port}/0")
    assert newcastle(host) == 30
    assert host.get("/api/v1/areas").status_code == 200  # rate limits counted in memory
    assert health(host) == (
        200,
        {"status": "ok", "warm": False, "all_made": False, "shared_cache": "unavailable"},
    )


def test_a_host_computing_longer_than_the_lock_keeps_it_and_the_other_waits(redis, monkeypatch):
    """A national disclosure plan takes minutes, longer than ``LOCK_SECONDS``: its maker renews
    the lock, so another host waits for it instead of making a second plan beside it."""
    monkeypatch.setattr(redis_cache, "LOCK_SECONDS", 0.6)
    hosts = [redis_cache.RedisResults(redis.url, "sqlite:///x.db") for _ in range(2)]
    order: list[str] = []
    inside = threading.Event()

    def first_host() -> None:
        with hosts[0].claim(("v",), "plan"):
            inside.set()
            order.append("first in")
            time.sleep(2.0)  # more than three lock lifetimes
            order.append("first out")

    making = threading.Thread(target=first_host)
    making.start()
    assert inside.wait(5)
    with hosts[1].claim(("v",), "plan"):
        order.append("second in")
    making.join()
    assert order == ["first in", "first out", "second in"]
