"""Database connection and schema set-up (Alembic migrations)."""
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from .errors import Busy

DEFAULT_URL = "sqlite:///instance/liandong.sqlite3"
MIGRATIONS = Path(__file__).parent / "migrations"
# Seconds a statement waits for a lock another transaction holds (a matter's row, SQLite's write
# lock) before it gives up with 事项正在被他人办理: a hung step must not stall every web worker.
LOCK_TIMEOUT = float(os.environ.get("LIANDONG_LOCK_TIMEOUT", "10"))


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str | None = None, lock_timeout: float | None = None) -> Engine:
    url = url or database_url()
    lock_timeout = LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    if url.startswith("sqlite:///"):
        _ensure_sqlite_folder(url)
        engine = create_engine(url, connect_args={"timeout": lock_timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Take the write lock at BEGIN so a read-then-write cannot interleave with another writer.
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"options": f"-c lock_timeout={int(lock_timeout * 1000)}"})


def is_lock_timeout(err: Exception) -> bool:
    """A statement that gave up waiting for a lock (PostgreSQL lock_timeout, SQLite busy timeout)."""
    original = getattr(err, "orig", err)
    return getattr(original, "sqlstate", None) == "55P03" or "database is locked" in str(original)


def _begin_immediate(conn) -> None:
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as err:
        if is_lock_timeout(err):
            raise Busy() from err
        raise


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def upgrade(url: str | None = None) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command  # imported here: every CLI call and worker would pay for it otherwise
    from alembic.config import Config

    url = url or database_url()
    _ensure_sqlite_folder(url)  # a fresh clone has no instance/ folder yet
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")  # one line of revisions (0013 merged the early branches)
