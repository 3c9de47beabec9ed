"""A request's transaction: committed when the response is a success, rolled back otherwise
(web/__init__.py). A view that refuses an action and still answers 200 or a redirect marks it here."""
from flask import g


def refuse() -> None:
    """Mark this request's transaction for rollback (a refused action redirects with a message)."""
    g.rollback = True
    if g.get("db") is not None:
        g.db.rollback()
