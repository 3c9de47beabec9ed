"""经营异常名录 for staff (001 §4(4)2): every signed-in person reads it; 市市场监督管理局's responsible
persons and enforcement officers list, remove and, after three years, refer to P13 (engine/procedures/abnormal_list.py).
The public reads it at /public/results?kind=abnormal."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.procedures import abnormal_list
from engine.errors import LiandongError

from ..auth import login_required
from ..transaction import refuse

bp = Blueprint("credit", __name__, url_prefix="/credit")


@bp.get("/abnormal")
@login_required
def abnormal():
    history = request.args.get("all") == "1"
    search = request.args.get("q", "").strip()
    listed = abnormal_list.entries(g.db, current=not history, search=search, page=_page(request.args.get("page")))
    due = abnormal_list.due_for_serious_list(g.db, g.engine.clock.now())
    return render_template("credit/abnormal.html", page=listed, rows=listed.rows, search=search,
                           history=history, reasons=abnormal_list.REASONS, may_act=abnormal_list.may_act(g.db, g.user.id),
                           due_rows=due, due={r.id for r in due},
                           unreachable=abnormal_list.unreachable_in_inspections(g.db))


def _page(value: str | None) -> int:
    """The page asked for; anything but a small whole number is the first."""
    return int(value) if value and value.isdigit() and len(value) <= 6 else 1


def _act(action, done: str):
    try:
        action()
        flash(done, "success")
    except LiandongError as err:  # refused: nothing of it is kept, the page says why
        refuse()
        flash(err.message, "error")
    return redirect(url_for("credit.abnormal"))


@bp.post("/abnormal")
@login_required
def add():
    f = request.form
    return _act(lambda: abnormal_list.add(g.engine, g.user.id, f.get("credit_code", ""), f.get("enterprise_name", ""),
                                          f.get("reason", ""), f.get("facts", ""), f.get("decision_no", ""),
                                          f.get("listed_on", "")), "已列入经营异常名录并向社会公示")


@bp.post("/abnormal/<int:listing_id>/remove")
@login_required
def remove(listing_id: int):
    return _act(lambda: abnormal_list.remove(g.engine, g.user.id, listing_id, request.form.get("remedied") == "on",
                                             request.form.get("note", "")), "已移出经营异常名录，公示已撤下")


@bp.post("/abnormal/<int:listing_id>/refer")
@login_required
def refer(listing_id: int):
    return _act(lambda: abnormal_list.refer_to_blacklist(g.engine, g.user.id, listing_id),
                "已移送列入严重违法失信名单（信用记录与黑名单流程）")
