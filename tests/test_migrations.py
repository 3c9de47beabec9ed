"""Schema migrations form one line, and a database made while they still branched upgrades onto it."""
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from engine import db

OLD_HEADS = ("0002", "0004", "0005", "0006", "0008", "0009", "0010", "0011", "0012")


def _config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def test_every_revision_after_the_merge_revises_exactly_one():
    script = ScriptDirectory.from_config(_config("sqlite://"))
    assert script.get_heads() == [script.get_current_head()]  # one head
    after_merge = [r for r in script.walk_revisions() if r.revision >= "0013"]
    for revision in after_merge:
        if revision.revision != "0013":
            assert isinstance(revision.down_revision, str), f"{revision.revision} must revise one revision"


def test_a_database_on_the_old_branches_upgrades_to_the_one_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    cfg = _config(url)
    for head in OLD_HEADS:  # what `upgrade heads` left before the merge
        command.upgrade(cfg, head)
    db.upgrade(url)
    eng = create_engine(url)
    with eng.connect() as conn:
        versions = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    eng.dispose()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert versions == [head]
