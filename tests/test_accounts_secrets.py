"""Passwords (rules, Argon2id with OWASP's parameters, rehash), TOTP codes (its step ±1, never
twice), recovery codes, and the secrets key file (made on first use, 0600, encrypts at rest)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import stat

import pyotp
import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type
from support.accounts import NOW

from lfo.access import passwords, totp
from lfo.access.secrets import SecretsKeyError, load_key, token_hash

EMAIL = "ann@example.org"

# --- password rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass1", "at least 12 characters"),  # 11 characters
        ("a" * 11, "at least 12 characters"),
        ("unbelievable", "common passwords"),  # on the bundled list
        ("UnBelievable", "common passwords"),  # compared without case
        ("ANN@example.org", "must not be your e-mail address"),
        ("qwertyqwerty", "common passwords"),  # 12 characters: on Django's and zxcvbn's lists
        ("1q2w3e4r5t6y7u8i9o0p", "common passwords"),  # 20 characters, on zxcvbn's list
        ("a" * 12, "5 different characters"),
        ("abababababab", "5 different characters"),
        ("AbcdAbcdAbcd", "5 different characters"),  # four, whatever the case
    ],
)
def test_a_password_that_breaks_a_rule_is_refused_with_the_reason(password, problem):
    why = passwords.password_problem(password, EMAIL)
    assert why is not None and problem in why


def test_a_long_uncommon_password_is_accepted():
    assert passwords.password_problem("abcde" * 3, EMAIL) is None  # five different: the least
    assert passwords.password_problem("tidal quartz 47 meadow", EMAIL) is None


def test_the_bundled_lists_are_seclists_top_ten_thousand_and_the_long_ones_of_two_more():
    common = passwords.common_passwords()
    assert len(common) > 9_900 + 300  # 10,000 lines (a few differ only in case) + 344
    assert {"password", "123456", "qwerty", "eyphed"} <= common  # SecLists' first and last lines
    long_ones = passwords.COMMON_PASSWORDS_FILES[1].read_text(encoding="utf-8").splitlines()
    assert len(long_ones) > 300 and min(map(len, long_ones)) >= passwords.MIN_LENGTH
    readme = (passwords.COMMON_PASSWORDS_FILES[0].parent / "README.md").read_text()
    assert "SecLists" in readme and "MIT License" in readme
    assert "Django" in readme and "zxcvbn" in readme and "BSD" in readme


# --- Argon2id ----------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_with_owasp_parameters():
    stored = passwords.hash_password("tidal quartz 47 meadow")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "tidal" not in stored
    assert passwords.verify_password(stored, "tidal quartz 47 meadow") == (True, None)
    assert passwords.verify_password(stored, "tidal quartz 47 meadoW") == (False, None)


def test_a_hash_made_with_other_parameters_is_remade_at_the_next_right_password():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    stored = old.hash("tidal quartz 47 meadow")
    ok, rehashed = passwords.verify_password(stored, "tidal quartz 47 meadow")
    assert ok and rehashed is not None
    assert rehashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(stored, "wrong password here") == (False, None)


def test_no_stored_password_costs_a_verification_against_a_dummy_and_never_matches(monkeypatch):
    calls = []

    class Counting(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(
        passwords, "HASHER", Counting(time_cost=2, memory_cost=19_456, parallelism=1)
    )
    stored = passwords.hash_password("tidal quartz 47 meadow")
    assert passwords.verify_password(None, "tidal quartz 47 meadow") == (False, None)
    assert passwords.verify_password(stored, "wrong password here") == (False, None)
    assert len(calls) == 2 and calls[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


# --- TOTP --------------------------------------------------------------------------------------


def test_totp_codes_follow_rfc_6238_and_are_accepted_in_their_step_or_one_either_side():
    secret = totp.new_secret()
    step = totp.time_step(NOW)
    assert step == int(dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC).timestamp()) // 30
    assert totp.code_at(secret, step) == pyotp.TOTP(secret).at(NOW.replace(tzinfo=dt.UTC))
    for offset in (-1, 0, 1):
        code = totp.code_at(secret, step + offset)
        assert totp.accepted_step(secret, code, None, NOW) == step + offset
    for offset in (-2, 2):
        assert totp.accepted_step(secret, totp.code_at(secret, step + offset), None, NOW) is None
    assert totp.accepted_step(secret, "12345", None, NOW) is None
    assert totp.accepted_step(secret, "abcdef", None, NOW) is None


def test_a_totp_code_is_never_accepted_twice():
    secret = totp.new_secret()
    step = totp.time_step(NOW)
    code = totp.code_at(secret, step)
    used = totp.accepted_step(secret, code, None, NOW)
    assert used == step
    assert totp.accepted_step(secret, code, used, NOW) is None  # same code, same step
    earlier = totp.code_at(secret, step - 1)
    assert totp.accepted_step(secret, earlier, used, NOW) is None  # an older step
    later = totp.code_at(secret, step + 1)
    assert totp.accepted_step(secret, later, used, NOW + dt.timedelta(seconds=30)) == step + 1


def test_the_provisioning_uri_names_the_service_and_the_person():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, EMAIL)
    assert uri.startswith("otpauth://totp/LFO%20monitoring:ann%40example.org?secret=" + secret)
    assert "issuer=LFO%20monitoring" in uri
    assert len(base64.b32decode(secret)) == 20  # 160 bits


def test_ten_recovery_codes_are_distinct_and_hashed_ignoring_dashes_and_case():
    codes = totp.new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(c) == 19 and c.count("-") == 3 for c in codes)
    plain = codes[0].replace("-", "")
    assert totp.recovery_code_hash(codes[0]) == hashlib.sha256(plain.encode()).hexdigest()
    assert totp.recovery_code_hash(plain.upper()) == totp.recovery_code_hash(codes[0])


# --- the secrets key ---------------------------------------------------------------------------


def test_the_secrets_key_file_is_made_on_first_use_private_and_then_reused(tmp_path):
    path = tmp_path / "keys" / "lfo-secrets.key"
    key = load_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == 32
    assert load_key(path) == key


def test_totp_secrets_are_encrypted_and_need_the_same_key(tmp_path):
    key = load_key(tmp_path / "a.key")
    secret = totp.new_secret()
    stored = key.encrypt(secret)
    assert secret not in stored
    assert key.decrypt(stored) == secret
    with pytest.raises(SecretsKeyError, match="not the one the secret was made with"):
        load_key(tmp_path / "b.key").decrypt(stored)


def test_a_truncated_key_file_is_refused(tmp_path):
    path = tmp_path / "short.key"
    path.write_bytes(b"abc")
    with pytest.raises(SecretsKeyError, match="fewer than 16"):
        load_key(path)


def test_tokens_are_stored_as_their_sha256():
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
