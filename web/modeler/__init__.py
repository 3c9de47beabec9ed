"""The process owner's pages (/modeler): deployed procedures and their versions, diagrams, XML and
version comparison (versions.py); the browser modeler with drafts, validation and deployment
(editor.py); file upload (upload.py); trial runs in a sandbox database (trial.py). Shared reading
and checking helpers are in common.py.

Validation is deployment without storing: `Repository.deploy` inside a SAVEPOINT that is always
rolled back, so the checks are exactly the deployment's. Deploying goes through the same call."""
from . import editor, trial, upload, versions  # noqa: F401 — each registers its routes on bp
from .common import OWNER, bp  # noqa: F401 — the app registers bp
