"""Process definitions: deployment, validation, versions, and parsed specs cached per version."""
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import (bpmn_checks, bpmn_xml, camunda, countersign, deploy_files, file_kinds, forms, spec_check, spec_links,
               specs, versions)
from .errors import DeploymentError, NotFound, UnknownProcess
from .history import History
from .models import Definition, Department, Person, RoleAssignment
from .specs import ProcessSpec
from .timers import use_engine_clock


@dataclass
class Deployed:
    kind: str
    key: str
    version: int
    changed: bool
    notes: list = field(default_factory=list)  # what the Camunda mapping did (engine/camunda.py)


def _bpmn_problems(filename, root, meta, known_forms: set[str], known_processes: set[str],
                   deployed_loops: dict, known_decisions: set[str]) -> list[dict]:
    """Every problem of one BPMN file that can be found without SpiffWorkflow's parser, in one round."""
    process = root.xpath("./bpmn:process[@isExecutable='true']", namespaces=bpmn_xml.NS)[0]
    found = [*bpmn_xml.rule_problems(root, meta, known_forms), *bpmn_checks.reachability_problems(process),
             *bpmn_checks.loop_problems(process, deployed_loops),
             *bpmn_checks.service_problems(process), *bpmn_checks.call_problems(process, known_processes),
             *bpmn_checks.decision_problems(process, known_decisions),
             *bpmn_checks.data_store_problems(root)]
    problems = [{"file": filename, "line": p.line, "element": p.element, "reason": p.reason} for p in found]
    return problems + spec_check.schema_problems(root, filename)


def _hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()



def _with_mapped_forms(parsed: list[tuple]) -> list[dict]:
    """Adds the forms Camunda's mapping generated to `parsed`; returns what it could not map."""
    problems = []
    for entry in list(parsed):
        mapping = entry[6].get("_mapping") if entry[0] == "bpmn" else None
        for name, text in (mapping.forms.items() if mapping else []):
            if not any(kind == "form" and key == name for kind, key, *_ in parsed):
                parsed.append(("form", name, json.loads(text)["title"], text, name, None, {}))
        problems += [{"file": entry[4], "line": p.line, "element": p.element, "reason": p.reason}
                     for p in (mapping.problems if mapping else [])]
    return problems

class Repository:
    def __init__(self, session: Session, clock):
        self.db = session
        self.clock = clock

    # --- reading ---
    def latest(self, kind: str, key: str) -> Definition | None:
        return self.db.execute(
            select(Definition).where(Definition.kind == kind, Definition.key == key)
            .order_by(Definition.version.desc()).limit(1)
        ).scalar_one_or_none()

    def process(self, key: str) -> Definition:
        row = self.latest("bpmn", key)
        if row is None:
            raise UnknownProcess(f"没有名为“{key}”的流程", process=key)
        return row

    def get(self, definition_id: int) -> Definition:
        row = self.db.get(Definition, definition_id)
        if row is None:
            raise NotFound(f"定义 {definition_id} 不存在")
        return row

    def processes(self) -> list[Definition]:
        """The latest version of every deployed process."""
        newest = (
            select(Definition.key, func.max(Definition.version).label("v"))
            .where(Definition.kind == "bpmn").group_by(Definition.key).subquery()
        )
        return list(self.db.execute(
            select(Definition).join(newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.v))
            .where(Definition.kind == "bpmn").order_by(Definition.key)
        ).scalars())

    def versions(self, kind: str, key: str) -> list[Definition]:
        return list(self.db.execute(
            select(Definition).where(Definition.kind == kind, Definition.key == key).order_by(Definition.version)
        ).scalars())

    def form_schema(self, definition_id: int, known: dict[str, str] | None = None) -> dict:
        """A form's JSON Schema. `known`: a matter bundle's content hashes, which let a step find the
        form in this process's cache instead of reading its definition row."""
        text = _FORM_CACHE.get((known or {}).get(str(definition_id), ""))
        if text is None:
            row = self.get(definition_id)
            text = _FORM_CACHE[row.content_hash] = row.content
        return forms.with_text_rule(json.loads(text))

    # --- deploying ---
    def deploy_directory(self, folder: Path, user: str = "system", as_new_version: bool = False) -> list[Deployed]:
        folder = Path(folder)
        files = [p for p in sorted(folder.glob("*.bpmn")) + sorted(folder.glob("*.dmn"))]
        files += sorted((folder / "forms").glob("*.json")) if (folder / "forms").is_dir() else []
        files += sorted((folder / "templates").glob("*.html")) if (folder / "templates").is_dir() else []
        return self.deploy([(p.name, p.read_bytes()) for p in files], user, as_new_version=as_new_version)

    def deploy(self, files: list[tuple[str, bytes]], user: str = "system",
               kinds: frozenset[str] = file_kinds.ALL_KINDS, as_new_version: bool = False) -> list[Deployed]:
        """Validate every file, then store new versions of the changed ones (engine/versions.py).
        All or nothing: problems raise DeploymentError and nothing of this deployment is stored.
        `kinds`: what this caller may deploy (the web narrows it to the person's role; operators at
        the command line and `init` deploy every kind). A file that would become a version of an
        unrelated one raises VersionQuestion unless `as_new_version` says the owner confirmed it."""
        parsed = self._read_all(files, kinds)
        problems = _with_mapped_forms(parsed)
        problems += self._diagram_problems(parsed, mapped={(p["file"], p["element"]) for p in problems})
        # the parser last: it stops at its first complaint, so every other check has spoken by then
        named = {(p["file"], p.get("element")) for p in problems}
        checked = self._check_specs(parsed, self._known(parsed, "bpmn"), {str(p["file"]) for p in problems})
        problems += [p for p in checked if (p["file"], p.get("element")) not in named]
        if problems:
            raise DeploymentError(problems)
        questions = [] if as_new_version else self._questions(parsed)
        if questions:
            raise versions.VersionQuestion(questions)
        results = []
        for kind, key, name, text, filename, _, meta in parsed:
            results.append(self._store(kind, key, name, text, filename, meta, user))
        self.db.flush()
        return results

    def _read_all(self, files: list[tuple[str, bytes]], kinds: frozenset[str]) -> list[tuple]:
        """Every file read, or DeploymentError with what is wrong in each of them."""
        problems, parsed = [], []
        for filename, content in files:
            try:
                parsed.append(self._read(filename, content, kinds))
            except bpmn_xml.XmlProblem as p:
                problems.append({"file": filename, "line": p.line, "element": p.element, "reason": p.reason})
            except DeploymentError as err:
                problems += err.problems
        if problems:
            raise DeploymentError(problems)
        return parsed

    def _known(self, parsed: list[tuple], kind: str) -> set[str]:
        return {key for k, key, *_ in parsed if k == kind} | self._keys(kind)

    def _diagram_problems(self, parsed: list[tuple], mapped: set[tuple]) -> list[dict]:
        """Each diagram's own checks. Where the Camunda mapping said why a task has nobody to do it
        (`mapped`), the lane complaints about that task are not repeated."""
        known_forms, known_processes = self._known(parsed, "form"), self._known(parsed, "bpmn")
        known_decisions = self._known(parsed, "dmn")
        problems = []
        for kind, key, _, _, filename, root, meta in parsed:
            if kind == "bpmn":
                problems += [p for p in _bpmn_problems(filename, root, meta, known_forms, known_processes,
                                                       self._deployed_loops(key), known_decisions)
                             if not ((filename, p["element"]) in mapped
                                     and p["reason"].startswith(("用户任务不在任何泳道", "泳道“")))]
        return problems

    def _questions(self, parsed) -> list[dict]:
        """Files that would become a new version of a key another file (or process) deployed."""
        found = []
        for kind, key, name, text, filename, root, _ in parsed:
            current = self.latest(kind, key)
            if current is None or versions.same_version(kind, current.content, text):
                continue
            reason = versions.unrelated_reason(kind, current, filename, name)
            if reason:
                owner = next(iter(root.xpath(".//*[@id=$key]", key=key)), root) if root is not None else None
                found.append({"file": filename, "line": owner.sourceline if owner is not None else None,
                              "element": key, "reason": reason})
        return found

    def _deployed_loops(self, key: str) -> dict:
        """The multi-instance collections of the key's latest version, to say what an editor removed."""
        current = self.latest("bpmn", key)
        if current is None or "multiInstanceLoopCharacteristics" not in current.content:
            return {}
        return bpmn_checks.loop_refs(bpmn_xml.parse_safely(current.content.encode("utf-8")))

    def _keys(self, kind: str) -> set[str]:
        return set(self.db.execute(select(Definition.key).where(Definition.kind == kind)).scalars())

    def _read(self, filename: str, content: bytes, kinds: frozenset[str]):
        kind = deploy_files.checked_kind(filename, content, kinds)
        text = deploy_files.decoded(content)
        if kind == "form":
            return deploy_files.read_form(filename, text)
        if kind == "template":
            return deploy_files.read_template(filename, text)
        root = bpmn_xml.parse_safely(content)
        if kind == "dmn":
            return deploy_files.read_dmn(filename, text, root)
        mapping = (camunda.translate(root, self._people(), set(self.db.execute(select(Department.code)).scalars()))
                   if camunda.uses_camunda(root) else camunda.Mapping())
        if mapping.changed:  # stored as mapped, so the modeler shows the Liandong properties it runs by
            text = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8").decode("utf-8")
        meta = bpmn_xml.describe_bpmn(root)
        meta["_mapping"] = mapping
        return kind, meta["process_id"], meta["name"], text, filename, root, meta

    def _people(self) -> dict[str, set[tuple[str, str]]]:
        """Every person id with the (role, department) pairs they hold now (for the Camunda mapping)."""
        people: dict[str, set[tuple[str, str]]] = {person: set() for person in self.db.execute(select(Person.id)).scalars()}
        for person, role, department in self.db.execute(select(
                RoleAssignment.person_id, RoleAssignment.role, RoleAssignment.department).where(RoleAssignment.until.is_(None))):
            people.setdefault(person, set()).add((role, department))
        return people

    def _check_specs(self, parsed, known_processes: set[str], reported: set[str]) -> list[dict]:
        """Let SpiffWorkflow parse every process with everything it calls, as a start would."""
        roots = {key: (root, filename) for kind, key, _, _, filename, root, _ in parsed if kind == "bpmn"}
        dmns = [(root, filename) for kind, _, _, _, filename, root, _ in parsed if kind == "dmn"]
        by_file = {filename: root for root, filename in [*roots.values(), *dmns]}
        deployed_dmns = [row for row in self._latest_of_kind("dmn") if row.filename not in {f for _, f in dmns}]
        problems = []
        for key, (_, filename) in roots.items():
            try:
                parser = self._parser_for(key, roots, known_processes, dmns, deployed_dmns)
                parser.get_spec(key)
                if all(called in known_processes for called in self._called_closure(key, roots)):
                    parser.get_subprocess_specs(key)
            except Exception as err:  # noqa: BLE001 — the parser's errors are ValidationException or plain ones
                if not (spec_check.covered(err) and reported & {filename, getattr(err, "file_name", None)}):
                    problems.append(spec_check.parser_problem(err, filename, by_file))
        return problems

    def _parser_for(self, key: str, roots: dict, known_processes: set[str], dmns: list, deployed_dmns: list):
        """A parser holding the process, what it calls (being deployed or deployed before) and every
        decision table."""
        parser = spec_check.new_parser()
        parser.add_bpmn_xml(roots[key][0], filename=roots[key][1])
        for called in self._called_closure(key, roots):
            if called in roots:
                parser.add_bpmn_xml(roots[called][0], filename=roots[called][1])
            elif called in known_processes and (row := self.latest("bpmn", called)) is not None:
                parser.add_bpmn_xml(bpmn_xml.parse_safely(row.content.encode()), filename=row.filename)
        for dmn_root, dmn_file in dmns:
            parser.add_dmn_xml(dmn_root, filename=dmn_file)
        for row in deployed_dmns:
            parser.add_dmn_xml(bpmn_xml.parse_safely(row.content.encode()), filename=row.filename)
        return parser

    def _called_closure(self, key: str, pending: dict) -> list[str]:
        seen, stack = [], [key]
        while stack:
            current = stack.pop()
            if current in pending:
                calls = bpmn_xml.describe_bpmn(pending[current][0])["calls"]
            else:
                row = self.latest("bpmn", current)
                calls = list(specs.of(row).calls) if row else []
            for called in calls:
                if called and called not in seen and called != key:
                    seen.append(called)
                    stack.append(called)
        return seen

    def _latest_of_kind(self, kind: str) -> list[Definition]:
        return [row for key in sorted(self._keys(kind)) if (row := self.latest(kind, key)) is not None]

    def _store(self, kind, key, name, text, filename, meta, user) -> Deployed:
        digest = _hash(text)
        current = self.latest(kind, key)
        notes = meta["_mapping"].notes if meta.get("_mapping") is not None else []
        if current is not None and versions.same_version(kind, current.content, text):
            return Deployed(kind, key, current.version, changed=False, notes=notes)
        version = (current.version + 1) if current else 1
        if current is not None and kind in ("bpmn", "dmn"):
            filename = current.filename  # a version keeps its procedure's file name, whatever it was uploaded as
        mapping = meta.get("_mapping")
        stored_meta = {k: v for k, v in meta.items() if k != "_mapping"}
        if mapping is not None and mapping.notes:
            stored_meta["camunda"] = mapping.notes  # what the Camunda mapping did, shown with the version
        for item in [*stored_meta.get("user_tasks", {}).values(), *stored_meta.get("lanes", {}).values()]:
            item.pop("line", None)
        self.db.add(Definition(
            kind=kind, key=key, version=version, name=name, filename=filename, content=text,
            content_hash=digest, meta=stored_meta, deployed_at=self.clock.now(), deployed_by=user,
        ))
        # who deployed what, in the hash-chained log (a template is code the server runs when it renders)
        History(self.db, self.clock).record("deployed", None, user, name=name, data={
            "kind": kind, "key": key, "version": version, "filename": filename, "content_hash": digest})
        return Deployed(kind, key, version, changed=True, notes=notes)

    # --- binding and parsing for running ---
    def bundle(self, process_key: str) -> dict:
        """The definition ids a new matter of this process binds to: the process, what it calls,
        the decision tables and the forms of their user tasks (latest versions, now)."""
        main = self.process(process_key)
        rows = {main.key: main, **{called: self.process(called) for called in self._called_closure(main.key, {})}}
        processes = [specs.of(row) for row in rows.values()]
        form_names = {t.form for p in processes for t in p.user_tasks.values() if t.form}
        form_names |= {p.start_form for p in processes if p.start_form}
        dmn, forms_ = self._newest("dmn"), self._newest("form", form_names)  # ids and hashes only, not the files
        hashes = {row.id: row.content_hash for row in rows.values()} | dict([*dmn.values(), *forms_.values()])
        # the content hashes ride along so loading the matter needs no query to find its parsed specs
        return {"process": main.key, "bpmn": {key: row.id for key, row in rows.items()},
                "dmn": {key: i for key, (i, _) in dmn.items()}, "forms": {key: i for key, (i, _) in forms_.items()},
                "hashes": {str(i): h for i, h in hashes.items()}}

    def _newest(self, kind: str, keys: set[str] | None = None) -> dict[str, tuple[int, str]]:
        """Key -> (id, content hash) of the latest version of every definition of `kind` (or of `keys`),
        sorted by key, in one query."""
        newest = select(Definition.key, func.max(Definition.version).label("v")).where(Definition.kind == kind)
        if keys is not None:
            newest = newest.where(Definition.key.in_(sorted(keys)))
        latest = newest.group_by(Definition.key).subquery()
        found = self.db.execute(select(Definition.key, Definition.id, Definition.content_hash).join(
            latest, (Definition.key == latest.c.key) & (Definition.version == latest.c.v)).where(Definition.kind == kind))
        return {key: (i, h) for key, i, h in sorted(found)}

    def specs(self, bundle: dict):
        key = bundle["process"] + "|" + self._cache_key([*bundle["bpmn"].values(), *bundle["dmn"].values()],
                                                        bundle.get("hashes", {}))
        if key not in _SPEC_CACHE:
            parser = SpiffBpmnParser()
            for definition_id in bundle["bpmn"].values():
                row = self.get(definition_id)
                parser.add_bpmn_xml(etree.fromstring(row.content.encode(), bpmn_xml._parser()), filename=row.filename)
            for definition_id in bundle["dmn"].values():
                row = self.get(definition_id)
                parser.add_dmn_xml(etree.fromstring(row.content.encode(), bpmn_xml._parser()), filename=row.filename)
            spec = parser.get_spec(bundle["process"])
            subprocess_specs = parser.get_subprocess_specs(bundle["process"])
            spec_links.connect(spec, *subprocess_specs.values())
            use_engine_clock(spec, *subprocess_specs.values())
            countersign.apply_conditions(spec, *subprocess_specs.values())
            if len(_SPEC_CACHE) > 256:
                _SPEC_CACHE.clear()
            _SPEC_CACHE[key] = (spec, subprocess_specs)
        return _SPEC_CACHE[key]

    def _cache_key(self, definition_ids, known: dict[str, str]) -> str:
        # By content, not id: two databases may give one id to different files. A matter's bundle
        # carries its hashes (ids of one database never change content); others take one query.
        ids = list(definition_ids)
        hashes = {i: known[str(i)] for i in ids if str(i) in known}
        missing = [i for i in ids if i not in hashes]
        if missing:
            hashes.update(self.db.execute(select(Definition.id, Definition.content_hash)
                                          .where(Definition.id.in_(missing))).all())
        return "|".join(hashes[i] for i in ids)

    def process_of(self, instance) -> ProcessSpec:
        """A matter's own process spec, from its bundle's parsed specs: its definition row (the whole
        file) is not read."""
        return self.process_specs(instance.bundle)[instance.process_key]

    def process_specs(self, bundle: dict) -> dict[str, ProcessSpec]:
        """Process id -> its typed spec (lanes, user task properties), for every process in the bundle."""
        key = self._cache_key(bundle["bpmn"].values(), bundle.get("hashes", {}))
        if key not in _META_CACHE:
            _META_CACHE[key] = {k: specs.of(self.get(i)) for k, i in bundle["bpmn"].items()}
        return _META_CACHE[key]


# Parsed specs never change for a set of definition versions, so they are shared by every
# matter and request in this process.
_SPEC_CACHE: dict[str, tuple] = {}
_META_CACHE: dict[str, dict[str, ProcessSpec]] = {}
_FORM_CACHE: dict[str, str] = {}  # content hash -> form text (a few KB each, one per form version)


def forget_parsed() -> None:
    for cache in (_SPEC_CACHE, _META_CACHE, _FORM_CACHE):
        cache.clear()
    specs.forget()
