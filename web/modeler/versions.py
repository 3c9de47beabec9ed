"""Deployed procedures, their versions (who deployed what, how many matters run on each), a
version's diagram and XML, and the comparison of two versions."""
import re

from flask import abort, g, render_template, request
from sqlalchemy import func, select

from engine.models import Draft

from . import bpmn_diff
from ..auth import role_required
from .common import OWNER, bp, definition_row, matter_counts, xml_response


@bp.get("/")
@role_required(OWNER)
def index():
    counts = matter_counts()
    procedures = []
    for latest in g.engine.repository.processes():
        versions = g.engine.repository.versions("bpmn", latest.key)
        procedures.append({
            "latest": latest, "versions": len(versions),
            "total": sum(counts.get(v.id, {}).get("total", 0) for v in versions),
            "running": sum(counts.get(v.id, {}).get("running", 0) for v in versions),
            "drafts": g.db.execute(select(func.count()).select_from(Draft).where(Draft.process_key == latest.key)).scalar_one(),
        })
    procedures.sort(key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p["latest"].key)])
    deployed = {p["latest"].key for p in procedures}
    orphans = [d for d in g.db.execute(select(Draft).order_by(Draft.saved_at.desc())).scalars()
               if d.process_key not in deployed]  # drafts of procedures not deployed yet
    return render_template("modeler/index.html", procedures=procedures, orphans=orphans)


@bp.get("/processes/<key>")
@role_required(OWNER)
def process(key: str):
    versions = g.engine.repository.versions("bpmn", key)
    if not versions:
        abort(404, description="没有该流程。")
    counts = matter_counts()
    drafts = list(g.db.execute(select(Draft).where(Draft.process_key == key).order_by(Draft.saved_at.desc())).scalars())
    base_versions = {d.id: d.version for d in versions}
    return render_template("modeler/process.html", key=key, versions=list(reversed(versions)), latest=versions[-1],
                           counts=counts, drafts=drafts, base_versions=base_versions)


@bp.get("/definitions/<int:definition_id>")
@role_required(OWNER)
def diagram(definition_id: int):
    row = definition_row(definition_id)
    counts = matter_counts().get(row.id, {"total": 0, "running": 0})
    return render_template("modeler/diagram.html", row=row, counts=counts)


@bp.get("/definitions/<int:definition_id>/xml")
@role_required(OWNER)
def download(definition_id: int):
    row = definition_row(definition_id)
    if request.args.get("inline") == "1":
        return xml_response(row.content)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", row.filename.rsplit(".", 1)[0] or row.key)
    return xml_response(row.content, f"{stem}.v{row.version}.bpmn")


@bp.get("/processes/<key>/diff")
@role_required(OWNER)
def diff(key: str):
    versions = {v.version: v for v in g.engine.repository.versions("bpmn", key)}
    if not versions:
        abort(404, description="没有该流程。")
    newest = max(versions)
    a = request.args.get("a", type=int) or max(newest - 1, 1)
    b = request.args.get("b", type=int) or newest
    if a not in versions or b not in versions:
        abort(404, description="没有该版本。")
    result = bpmn_diff.compare(versions[a].content, versions[b].content)
    return render_template("modeler/diff.html", key=key, old=versions[a], new=versions[b], diff=result,
                           versions=sorted(versions))

