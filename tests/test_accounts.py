"""The administrator-made password accounts."""

from __future__ import annotations

import pytest

from hub.accounts import AccountError, AccountStore


@pytest.fixture
def store(tmp_path):
    return AccountStore(tmp_path / "accounts.sqlite", max_failed_logins=3, lockout_seconds=60)


def test_generated_password_verifies_once_created(store):
    password = store.add("kim", groups=["analyst"])
    assert len(password) >= 16
    account = store.verify("kim", password)
    assert account.name == "kim" and account.groups == ("analyst",) and not account.admin
    assert store.verify("kim", password + "x") is None
    assert store.verify("nobody", password) is None


def test_passwords_are_not_stored_in_clear(store, tmp_path):
    store.add("kim", password="correct-horse-battery")
    assert b"correct-horse-battery" not in (tmp_path / "accounts.sqlite").read_bytes()


def test_lockout_after_repeated_failures_and_reset_by_admin(store):
    password = store.add("lee", password="lee-password-1")
    for _ in range(3):
        assert store.verify("lee", "wrong-password") is None
    assert store.is_locked("lee")
    assert store.verify("lee", password) is None  # locked, even with the right password
    new = store.set_password("lee")
    assert not store.is_locked("lee")
    assert store.verify("lee", new).name == "lee"


@pytest.mark.parametrize(
    ("name", "groups", "password", "message"),
    [
        ("Kim Cheol", ["staff"], None, "invalid user name"),
        ("../etc", ["staff"], None, "invalid user name"),
        ("park", ["root"], None, "unknown group"),
        ("park", [], None, "at least one group"),
        ("park", ["staff"], "short", "too short"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(store, name, groups, password, message):
    with pytest.raises(AccountError, match=message):
        store.add(name, groups=groups, password=password)
    assert store.list() == []


def test_duplicate_and_missing_accounts(store):
    store.add("choi")
    with pytest.raises(AccountError, match="already exists"):
        store.add("choi")
    with pytest.raises(AccountError, match="no account"):
        store.set_password("nobody")
    store.set_groups("choi", ["analyst", "staff"], admin=True)
    assert store.get("choi").groups == ("analyst", "staff") and store.get("choi").admin
    store.remove("choi")
    assert store.get("choi") is None
