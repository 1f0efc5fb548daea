"""The ID key file and keyed hashing of IDs."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pandas as pd
import pytest

from etl.pseudonymise import Hasher, KeyFileError, ensure_key, hash_id, read_key


def test_missing_key_file_is_created_0600_with_32_random_bytes(tmp_path):
    path = tmp_path / "deep" / "folder" / "lfo-id.key"
    key, created = ensure_key(path)
    assert created
    assert len(key) == 32
    assert path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_key_file_is_reused_not_replaced(tmp_path):
    path = tmp_path / "lfo-id.key"
    first, _ = ensure_key(path)
    again, created = ensure_key(path)
    assert not created
    assert again == first


def test_two_new_key_files_differ(tmp_path):
    a, _ = ensure_key(tmp_path / "a.key")
    b, _ = ensure_key(tmp_path / "b.key")
    assert a != b


def test_a_truncated_key_file_is_refused(tmp_path):
    path = tmp_path / "lfo-id.key"
    path.write_bytes(b"short")
    with pytest.raises(KeyFileError):
        read_key(path)


def test_hash_is_hmac_sha256_of_area_colon_id():
    key = b"k" * 32
    expected = hmac.new(key, b"E08000021:P001", hashlib.sha256).hexdigest()
    assert hash_id(key, "E08000021", "P001") == expected
    assert Hasher(key, "E08000021").one("P001") == expected


def test_equal_ids_in_two_areas_hash_differently():
    key = b"k" * 32
    assert Hasher(key, "E08000021").one("P001") != Hasher(key, "E08000037").one("P001")


def test_series_hashing_maps_each_value_and_keeps_missing_values_missing():
    key = b"k" * 32
    values = pd.Series(["P001", None, "P002", "P001", "007"], dtype="str")
    out = Hasher(key, "E08000021").series(values)
    assert out.tolist() == [
        hash_id(key, "E08000021", "P001"),
        None,
        hash_id(key, "E08000021", "P002"),
        hash_id(key, "E08000021", "P001"),
        hash_id(key, "E08000021", "007"),
    ]


def test_ids_are_case_sensitive():
    h = Hasher(b"k" * 32, "E08000021")
    assert h.one("abc") != h.one("ABC")
