"""Set up a database: schema, official calendar, demo directory and the bundled processes."""
from pathlib import Path

from sqlalchemy.orm import Session

from . import calendar, db, directory, worker
from .services import Liandong

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


def bootstrap(url: str | None = None, processes: Path = PROCESSES, clock=None,
              directory_file: Path = PROCESSES / "directory.yaml") -> dict:
    """Idempotent: running it again deploys only changed files and adds only new people."""
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            service = Liandong(session, clock)
            years = calendar.seed_from_package(session, service.clock.now())
            people = directory.load_file(session, directory_file)
            deployed = service.repository.deploy_directory(processes)
        worker.unstall_all(db.session_factory(engine), clock)  # matters an earlier version left stuck
        return {"calendar_years": years, "directory": people,
                "deployed": [d for d in deployed if d.changed]}
    finally:
        engine.dispose()
