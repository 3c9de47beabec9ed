"""Encryption at rest of reporters' identities (engine/sealing.py): the key, and a clear refusal when
the key is not the one the data was sealed with."""
import stat

import pytest
from cryptography.fernet import Fernet

from engine import sealing


def test_a_sealed_value_reads_back_only_with_its_key(monkeypatch):
    monkeypatch.setenv("LIANDONG_IDENTITY_KEY", Fernet.generate_key().decode())
    token = sealing.seal({"name": "王某", "phone": "13800000000"})
    assert "王某" not in token and "13800000000" not in token
    assert sealing.unseal(token) == {"name": "王某", "phone": "13800000000"}
    monkeypatch.setenv("LIANDONG_IDENTITY_KEY", Fernet.generate_key().decode())  # a different key
    with pytest.raises(sealing.SealError) as err:
        sealing.unseal(token)
    assert err.value.message == "无法解密：加密密钥与加密时不一致（LIANDONG_IDENTITY_KEY）"


def test_without_a_configured_key_one_is_made_once_readable_by_the_owner_only(monkeypatch, tmp_path):
    key_file = tmp_path / "instance" / "identity.key"
    monkeypatch.delenv("LIANDONG_IDENTITY_KEY", raising=False)
    monkeypatch.setenv("LIANDONG_IDENTITY_KEY_FILE", str(key_file))
    token = sealing.seal({"name": "李某"})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first_key = key_file.read_bytes()
    assert sealing.unseal(sealing.seal({"name": "赵某"})) == {"name": "赵某"}
    assert key_file.read_bytes() == first_key and sealing.unseal(token) == {"name": "李某"}


def test_a_malformed_key_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("LIANDONG_IDENTITY_KEY", "not-a-key")
    with pytest.raises(sealing.SealError) as err:
        sealing.seal({"name": "王某"})
    assert err.value.message == "加密密钥格式不正确（LIANDONG_IDENTITY_KEY）"
