"""Shared set-up for the supervision procedure tests (P10–P13): enterprises in the target library,
conflict declarations, and reading the tables those procedures write."""
from datetime import datetime

from sqlalchemy import select

from engine import forms
from engine.clock import SHANGHAI
from engine.procedures.inspection import declare_conflict
from engine.models import TargetEntry


def uscc(n: int) -> str:
    """A valid unified social credit code for test enterprise number n."""
    return forms.uscc_with_check(f"91210300MA{n:07d}")


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T23:59:59").replace(tzinfo=SHANGHAI)


def add_targets(scenario, department: str, rows: list[tuple]) -> None:
    """rows: (n, name, sector, credit_grade, risk_level)."""
    def add(e):
        for n, name, sector, grade, risk in rows:
            e.db.add(TargetEntry(department=department, credit_code=uscc(n), enterprise_name=name, sector=sector,
                                 credit_grade=grade, risk_level=risk, added_at=e.clock.now()))
    scenario.run(add)


def declare(scenario, person: str, n: int, reason: str = "近亲属在该企业任职") -> None:
    scenario.run(lambda e: declare_conflict(e.db, e.clock.now(), person, uscc(n), reason))


def rows(scenario, model, **where) -> list:
    def read(e):
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        found = list(e.db.execute(query).scalars())
        for row in found:
            e.db.expunge(row)
        return found
    return scenario.run(read)
