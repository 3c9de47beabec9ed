"""What the public pages show (`/public/results`, web/public/pages.py): one `public_notice` row per published
result, written by the publishing steps — P1's 行政许可 and P11's 行政处罚 decisions (双公示, 001 §4(3)5),
P10's inspection results (001 §4(3)1), P13's blacklist — and by the 经营异常名录 (engine/procedures/abnormal_list.py).
Only what a caller passes is published; nothing else of the matter is copied."""
from datetime import date

from ..models import PublicNotice


def publish(ctx, kind: str, department: str, enterprise_name: str, credit_code: str, item: str, result: str,
            on_date: date | str | None, instance_id: int | None = None) -> PublicNotice:
    """Add the notice to the session (the caller flushes when it needs the id). `item` and `result` are cut
    to the columns' lengths; a date given as text is read from its first ten characters."""
    if isinstance(on_date, str):
        on_date = date.fromisoformat(on_date[:10]) if on_date else None
    row = PublicNotice(kind=kind, instance_id=instance_id, department=department, enterprise_name=enterprise_name,
                       credit_code=credit_code, item=(item or "")[:500], result=(result or "")[:1000],
                       on_date=on_date, published_at=ctx.clock.now())
    ctx.db.add(row)
    return row
