"""The lists beside 待办: 已办, 我发起的, and the 督查室's late tasks of every department with 催办
from the list. The engine decides what each holds and who may read it (engine/worklists.py)."""
from flask import Blueprint, abort, g, render_template

from engine.errors import NotCandidate

from .. import present
from ..auth import login_required
from ..office import operations

bp = Blueprint("lists", __name__)


@bp.get("/inbox/done")
@login_required
def done():
    rows = [(t, m, "take_back" in {op.name for op in operations.available(t, g.user.id, "task")})
            for t, m in g.engine.worklists.done_by(g.user.id)]
    return render_template("inbox/done.html", rows=rows)


@bp.get("/inbox/started")
@login_required
def started():
    rows = [(m, [(t, present.holder_text(t), present.deadline(t)) for t in steps])
            for m, steps in g.engine.worklists.started_by(g.user.id)]
    return render_template("inbox/started.html", rows=rows)


@bp.get("/oversight/late")
@login_required
def late():
    try:
        pairs = g.engine.worklists.late(g.user.id)
    except NotCandidate as err:
        abort(403, description=err.message)
    now = g.engine.clock.now()
    rows = [(t, m, present.deadline(t, now), present.holder_text(t)) for t, m in pairs]
    return render_template("inbox/late.html", rows=rows)
