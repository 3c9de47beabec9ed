"""Try a draft before deploying it: a throw-away SQLite database per trial run.

The directory, the working-day calendar and every deployed definition are copied from the real
database into a new SQLite file; the draft is deployed there and run with a frozen clock the owner
moves forward to fire timers. Nothing of a trial run is written to the real database. A trial run
lives in its own folder (database + `meta.json`) and is removed when the owner ends it or after a day.

Trial databases hold copies of the directory (password hashes included), so they are private to the
app instance that made them: `<instance folder>/sandboxes/<app id>/<token>/`, the app id derived
from the database the app serves (its workers share it, another installation or database does not).
Folders are 0700 and files 0600, a folder that is a symbolic link or belongs to another account is
refused rather than used, and cleaning up looks only at this app's own folder.
"""
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from engine import Liandong, db, file_kinds
from engine.clock import FrozenClock
from engine.errors import LiandongError
from engine.models import Base

# Copied from the real database: who does what, which days are working days, what is deployed.
COPIED = ("department", "person", "role_assignment", "issuing_authority", "calendar_day", "calendar_year",
          "definition", "target_entry")
MAX_AGE = 24 * 3600
MAX_PER_OWNER = 10  # each trial run is a copy of the directory and every definition: an owner keeps the newest


TOKEN = re.compile(r"[0-9a-f]{16}")


class SandboxFolderRefused(LiandongError):
    status = 500


def root() -> Path:
    """This app instance's own folder of trial runs, made private if it is not yet."""
    configured = current_app.config.get("SANDBOX_DIR")
    base = Path(configured) if configured else Path(current_app.instance_path) / "sandboxes"
    base.parent.mkdir(parents=True, exist_ok=True)
    app_id = hashlib.sha256(str(current_app.config["DATABASE_URL"]).encode()).hexdigest()[:16]
    return _private_folder(_private_folder(base) / app_id)


def _private_folder(folder: Path) -> Path:
    """`folder` as a directory of this account only (0700); never through a symbolic link."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise SandboxFolderRefused(f"试运行目录 {folder} 不是本应用自己的目录（符号链接、非目录或属于其他账户），已拒绝使用")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    """Write a file only this account can read (0600), never through a symbolic link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(text)


def _clean_old(user: str | None = None) -> None:
    """Remove this app's trial runs untouched for a day (only folders named like a token), and the
    `user`'s least recently used ones beyond MAX_PER_OWNER - 1, making room for the one being made."""
    now = time.time()
    owned = []
    for entry in os.scandir(root()):
        if not (TOKEN.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)):
            continue
        meta = Path(entry.path) / "meta.json"
        touched = meta.stat().st_mtime if meta.exists() else entry.stat(follow_symlinks=False).st_mtime
        if now - touched > MAX_AGE:
            shutil.rmtree(entry.path, ignore_errors=True)
        elif user is not None and _owner(meta) == user:
            owned.append((touched, entry.path))
    for _, path in sorted(owned)[:max(len(owned) - MAX_PER_OWNER + 1, 0)]:
        shutil.rmtree(path, ignore_errors=True)


def _owner(meta: Path) -> str | None:
    try:
        return json.loads(meta.read_text("utf-8")).get("owner")
    except (OSError, ValueError, AttributeError):  # a trial run being made or removed just now
        return None


class Sandbox:
    def __init__(self, token: str):
        if not TOKEN.fullmatch(token):
            raise KeyError(token)
        self.token = token
        self.folder = root() / token
        if not (self.folder / "meta.json").exists():
            raise KeyError(token)
        self.meta = json.loads((self.folder / "meta.json").read_text("utf-8"))

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'sandbox.sqlite3'}"

    def save_meta(self) -> None:
        _write_private(self.folder / "meta.json", json.dumps(self.meta, ensure_ascii=False))

    @property
    def clock(self) -> FrozenClock:
        return FrozenClock(self.meta["now"])

    @contextmanager
    def engine(self):
        """A Liandong over the trial database, one transaction; the clock's time is kept in meta."""
        eng = db.make_engine(self.url)
        clock = self.clock
        try:
            with db.session_factory(eng)() as session:
                with session.begin():
                    service = Liandong(session, clock)
                    yield service
                self.meta["now"] = clock.now().isoformat()
                self.save_meta()
        finally:
            eng.dispose()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def create(real_session, clock, filename: str, content: bytes, user: str, draft_id: int | None,
           process_key: str) -> Sandbox:
    """Copy the real database's directory, calendar and definitions into a new trial database and
    deploy the draft there. Raises DeploymentError (after removing the trial) if the draft is refused."""
    _clean_old(user)
    token = secrets.token_hex(8)
    folder = root() / token
    folder.mkdir(mode=0o700)
    meta = {"token": token, "owner": user, "draft_id": draft_id, "process_key": process_key,
            "filename": filename, "now": clock.now().isoformat(), "instance_id": None, "created": time.time()}
    _write_private(folder / "meta.json", json.dumps(meta, ensure_ascii=False))
    _write_private(folder / "sandbox.sqlite3", "")  # SQLite keeps the file's mode, its journals take it too
    sandbox = Sandbox(token)
    eng = db.make_engine(sandbox.url)
    try:
        Base.metadata.create_all(eng)
        tables = [t for t in Base.metadata.sorted_tables if t.name in COPIED]
        with eng.begin() as conn:
            for table in tables:
                rows = [dict(r) for r in real_session.execute(select(table)).mappings()]
                if rows:
                    conn.execute(insert(table), rows)
    finally:
        eng.dispose()
    try:
        with sandbox.engine() as service:
            deployed = service.repository.deploy([(filename, content)], user, file_kinds.OWNER_KINDS,
                                                  as_new_version=True)  # a trial, not a deployment
            sandbox.meta["process_key"] = deployed[0].key
            sandbox.meta["version"] = deployed[0].version
    except Exception:
        sandbox.remove()
        raise
    sandbox.save_meta()
    return sandbox
