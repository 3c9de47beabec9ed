"""Upload of files drawn elsewhere (Camunda Modeler, bpmn-js), with the deployment's checks."""
from flask import flash, g, redirect, render_template, request, url_for

from engine import bpmn_xml
from engine.errors import DeploymentError

from ..auth import role_required
from . import OWNER, bp
from .common import deployable, filename_for, problems_of


@bp.route("/upload", methods=("GET", "POST"))
@role_required(OWNER)
def upload():
    if request.method == "GET":
        return render_template("modeler/upload.html", problems=None)
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_template("modeler/upload.html", problems=None, message="请选择一个 .bpmn 文件。"), 400
    name = file.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name.lower().endswith(".bpmn"):
        return render_template("modeler/upload.html", problems=None, message="只能上传 .bpmn 文件。"), 400
    content = file.read(bpmn_xml.MAX_BYTES + 1)
    filename = filename_for(content, name)
    try:
        result = g.engine.repository.deploy([(filename, content)], g.user.id, deployable())[0]
    except DeploymentError as err:
        g.rollback = True
        return render_template("modeler/upload.html", problems=problems_of(err, content), filename=name), 422
    for note in result.notes:  # what the Camunda mapping did (engine/camunda.py)
        flash(f"Camunda 映射：{note['element']}（第{note['line']}行）{note['camunda']} → {note['liandong']}", "info")
    if result.changed:
        flash(f"已上传并部署“{result.key}”版本 {result.version}。", "success")
    else:
        flash(f"文件与已部署的版本 {result.version} 相同，未产生新版本。", "info")
    return redirect(url_for("modeler.process", key=result.key))

