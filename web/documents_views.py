"""Issued official documents: download as PDF or .docx, for the people of the matter and admins."""
from urllib.parse import quote

from flask import Blueprint, Response, abort, g

from engine import documents
from engine.models import Document

from .auth import login_required

bp = Blueprint("documents", __name__, url_prefix="/documents")
TYPES = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@bp.get("/<int:document_id>.<fmt>")
@login_required
def download(document_id: int, fmt: str):
    document = g.db.get(Document, document_id)
    if document is None or fmt not in TYPES:
        abort(404)
    if not documents.may_read(g.db, document, g.user.id):
        abort(403, description="您无权查看该公文。")
    body = document.pdf if fmt == "pdf" else document.docx
    filename = quote(f"{document.number}.{fmt}")
    return Response(body, mimetype=TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=document-{document.id}.{fmt}; filename*=UTF-8''{filename}"})


def listed(instance_id: int) -> list[Document]:
    return documents.of_instance(g.db, instance_id, with_files=False)
