"""Try a draft before deploying it: a throw-away SQLite database per trial run.

The directory, the working-day calendar and every deployed definition are copied from the real
database into a new SQLite file; the draft is deployed there and run with a frozen clock the owner
moves forward to fire timers. Nothing of a trial run is written to the real database. A trial run
lives in its own folder (database + `meta.json`) and is removed when the owner ends it or after a day.
"""
import json
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select

from engine import Liandong, db, file_kinds
from engine.clock import FrozenClock
from engine.models import Base

# Copied from the real database: who does what, which days are working days, what is deployed.
COPIED = ("department", "person", "role_assignment", "issuing_authority", "calendar_day", "calendar_year",
          "definition", "target_entry")
MAX_AGE = 24 * 3600


def root() -> Path:
    configured = current_app.config.get("SANDBOX_DIR")
    folder = Path(configured) if configured else Path(tempfile.gettempdir()) / "liandong-sandboxes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clean_old() -> None:
    now = time.time()
    for folder in root().iterdir():
        meta = folder / "meta.json"
        touched = meta.stat().st_mtime if meta.exists() else folder.stat().st_mtime
        if folder.is_dir() and now - touched > MAX_AGE:
            shutil.rmtree(folder, ignore_errors=True)


class Sandbox:
    def __init__(self, token: str):
        if not token.isalnum():
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
        (self.folder / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False), "utf-8")

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
    _clean_old()
    token = secrets.token_hex(8)
    folder = root() / token
    folder.mkdir()
    meta = {"token": token, "owner": user, "draft_id": draft_id, "process_key": process_key,
            "filename": filename, "now": clock.now().isoformat(), "instance_id": None, "created": time.time()}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
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
            deployed = service.repository.deploy([(filename, content)], user, file_kinds.OWNER_KINDS)
            sandbox.meta["process_key"] = deployed[0].key
            sandbox.meta["version"] = deployed[0].version
    except Exception:
        sandbox.remove()
        raise
    sandbox.save_meta()
    return sandbox
