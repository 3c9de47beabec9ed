"""Browser libraries installed from the npm registry by `make install` (never committed), served
read-only from node_modules: bpmn-js for the diagram viewer and the modeler."""
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
PACKAGES = {"bpmn-js": NODE_MODULES / "bpmn-js" / "dist"}


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    folder = PACKAGES.get(package)
    if folder is None or not folder.is_dir():
        abort(404, description="前端组件未安装：请运行 make install（npm ci）。")
    return send_from_directory(folder, filename, max_age=3600)
