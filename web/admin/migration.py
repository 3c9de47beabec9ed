"""The administrator's 迁移 page: what moving a running matter to another version of its process will
do, shown before it is done — the steps kept, the steps that go on with their holder and deadline, the
timers, what the new version changes — or why it cannot be done. Confirming posts to admin.act."""
from flask import Blueprint, abort, g, render_template, request

from engine import migration_plan
from engine.errors import LiandongError

from .. import present
from ..auth import role_required
from ..modeler import bpmn_diff

bp = Blueprint("admin_migration", __name__, url_prefix="/admin")


@bp.get("/instances/<int:instance_id>/migrate")
@role_required("admin")
def preview(instance_id: int):
    matter = g.engine.runtime.instance(instance_id)
    version = request.args.get("version", "")
    if not version.isdigit():
        abort(404, description="请选择要迁移到的版本。")
    try:
        found = migration_plan.plan(g.engine, matter, int(version))
    except LiandongError as err:
        return render_template("admin/migrate.html", matter=matter, found=None, refused=err.message), 422
    current = g.engine.repository.get(matter.definition_id)
    return render_template(
        "admin/migrate.html", matter=matter, found=found, refused="", current=current,
        changes=bpmn_diff.compare(current.content, found.target.content),
        holders={t.id: present.holder_text(t) for t in found.open},
        deadlines={t.id: present.deadline(t) for t in found.open})
