"""Encryption at rest for what must stay confidential even from someone holding a copy of the
database (reporters' identities, 000 §3(5): 依法为举报人保密).

Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package). The key comes from
`LIANDONG_IDENTITY_KEY` (production: from the secret store), else from the file named by
`LIANDONG_IDENTITY_KEY_FILE` (default `instance/identity.key`), which is created with mode 0600 the
first time a key is needed. Keep the key apart from the database backups: without it the sealed
identities cannot be read, with it anyone can.
"""
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from .errors import LiandongError

DEFAULT_KEY_FILE = "instance/identity.key"


class SealError(LiandongError):
    status = 500


def _key() -> bytes:
    if os.environ.get("LIANDONG_IDENTITY_KEY"):
        return os.environ["LIANDONG_IDENTITY_KEY"].encode()
    path = Path(os.environ.get("LIANDONG_IDENTITY_KEY_FILE", DEFAULT_KEY_FILE))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two workers starting together end up with the same key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(Fernet.generate_key())
        except FileExistsError:
            pass
    return path.read_bytes().strip()


def seal(values: dict) -> str:
    try:
        return Fernet(_key()).encrypt(json.dumps(values, ensure_ascii=False).encode()).decode()
    except ValueError as err:
        raise SealError("加密密钥格式不正确（LIANDONG_IDENTITY_KEY）") from err


def unseal(token: str) -> dict:
    try:
        return json.loads(Fernet(_key()).decrypt(token.encode()))
    except (InvalidToken, ValueError) as err:
        raise SealError("无法解密：加密密钥与加密时不一致（LIANDONG_IDENTITY_KEY）") from err


def tag(purpose: str, message: str) -> bytes:
    """An HMAC-SHA256 of `message` under a key derived from the identity key for `purpose` alone: a
    value only this installation can make and check, that reveals nothing of the key (查询码)."""
    import hashlib
    import hmac
    derived = hmac.new(_key(), b"liandong-tag:" + purpose.encode(), hashlib.sha256).digest()
    return hmac.new(derived, message.encode(), hashlib.sha256).digest()
