"""Who does what: departments, people and their roles (003 §2(2)).

A task's candidates are the people holding a role in a department at the moment the task becomes
ready. A role not held in a section is looked up in its parent department, so a section's deputy
leader is the bureau's deputy leader in charge.
"""
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .errors import DirectoryError
from .models import Department, IssuingAuthority, Person, RoleAssignment

ROLES = {
    "responsible_person": "责任人",
    "liaison": "联络人",
    "deputy_leader": "分管领导",
    "main_leader": "主要领导",
    "inspection_staff": "联合勘验人员",
    "observer": "审批观察员",
    "enforcement_officer": "执法人员",
    "arbiter": "评判裁决人员",
    "legal_reviewer": "法制审核人员",
    "complaint_handler": "投诉举报受理人员",
    "supervisor": "督查人员",
    "organiser": "组织人员",  # 市行政审批局: organises joint inspections and approval meetings (003 §2(6), §2(7))
}
STARTER = "starter"  # lane role meaning "the person who started the matter"
DEMO_PASSWORD = "liandong2026"


def load_file(session: Session, path: Path, password: str = DEMO_PASSWORD) -> dict:
    """Load (or refresh) the directory from a YAML file. New people get the demo password."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for dep in data["departments"]:
        row = session.get(Department, dep["code"]) or Department(code=dep["code"])
        row.name, row.parent, row.kind = dep["name"], dep.get("parent"), dep.get("kind", "")
        session.merge(row)
    session.flush()
    _pair_sections(session, data["departments"])
    for dep in data["departments"]:
        if dep.get("issuer"):  # 发文机关: full name and document-number code (engine/documents.py)
            session.merge(IssuingAuthority(department=dep["code"], full_name=dep["issuer"]["full_name"],
                                           doc_code=dep["issuer"]["doc_code"]))
    session.flush()
    password_hash = None
    for item in data["people"]:
        person = session.get(Person, item["id"])
        if person is None:
            password_hash = password_hash or generate_password_hash(password)
            person = Person(id=item["id"], password_hash=password_hash)
            session.add(person)
        person.name, person.title = item["name"], item.get("title", "")
        person.phone = str(item.get("phone", ""))
        person.system_roles = list(item.get("system_roles", []))
        current = {
            (r.department, r.role)
            for r in session.execute(
                select(RoleAssignment).where(RoleAssignment.person_id == person.id, RoleAssignment.until.is_(None))
            ).scalars()
        }
        for role in item.get("roles", []):
            if role["role"] not in ROLES:
                raise DirectoryError(f"未知角色 {role['role']}（人员 {item['id']}）")
            if (role["dept"], role["role"]) not in current:
                session.add(
                    RoleAssignment(
                        person_id=person.id,
                        department=role["dept"],
                        role=role["role"],
                        certificate=role.get("certificate", ""),
                    )
                )
    session.flush()
    return {"departments": len(data["departments"]), "people": len(data["people"])}


def _pair_sections(session: Session, departments: list[dict]) -> None:
    """003 §2(2): each approval section lists the supervision departments it works with (`pairs_with`);
    the pairing is fixed, so a department pairs with one section at most."""
    paired: dict[str, str] = {}
    for dep in departments:
        for other in dep.get("pairs_with", []):
            if other in paired:
                raise DirectoryError(f"部门“{other}”已与科室“{paired[other]}”对应，不能再与“{dep['code']}”对应")
            if dep.get("kind") != "approval_section":
                raise DirectoryError(f"只有审批科室可以列出对应的监管部门（pairs_with）：{dep['code']}")
            if department(session, other).kind != "supervision":
                raise DirectoryError(f"审批科室“{dep['code']}”只能与行业监管部门对应：{other}")
            paired[other] = dep["code"]
    for dep in departments:
        if dep.get("kind") == "supervision":
            department(session, dep["code"]).paired_section = paired.get(dep["code"])
    session.flush()


def paired_section(session: Session, department_code: str) -> Department:
    """The approval section a supervision department works with (003 §2(2)); refused in Chinese if the
    directory pairs it with none."""
    dep = department(session, department_code)
    if not dep.paired_section:
        raise DirectoryError(f"目录中“{dep.name}”没有对应的市行政审批局审批科室，请在科室的 pairs_with 中指定")
    return department(session, dep.paired_section)


def department(session: Session, code: str) -> Department:
    row = session.get(Department, code)
    if row is None:
        raise DirectoryError(f"目录中没有部门“{code}”")
    return row


def bureau(session: Session, code: str) -> str:
    """The top department a section belongs to (市场准入审批科 → 市行政审批局)."""
    seen = set()
    while code and code not in seen:
        seen.add(code)
        parent = session.execute(select(Department.parent).where(Department.code == code)).scalar_one_or_none()
        if not parent:
            return code
        code = parent
    return code


# Built once: each new task asks it, and building the statement cost more than running it on SQLite.
_HOLDERS = (select(RoleAssignment.person_id).join(Person, Person.id == RoleAssignment.person_id)
            .where(RoleAssignment.department == bindparam("department"), RoleAssignment.role == bindparam("role"),
                   RoleAssignment.until.is_(None), Person.active.is_(True))
            .order_by(RoleAssignment.person_id))


def holders(session: Session, dept_code: str, role: str) -> list[str]:
    """People holding `role` in the department, climbing to parent departments if none there."""
    code: str | None = dept_code
    while code:
        people = list(session.execute(_HOLDERS, {"department": code, "role": role}).scalars())
        if people:  # role rows name a department by foreign key: it exists, no need to read it
            return people
        code = department(session, code).parent
    raise DirectoryError(f"部门“{department(session, dept_code).name}”没有{ROLES.get(role, role)}，请先在目录中指定")


def holds(session: Session, person_id: str, dept_code: str, role: str) -> bool:
    try:
        return person_id in holders(session, dept_code, role)
    except DirectoryError:
        return False


def section_head(session: Session, department_code: str) -> list[str]:
    """The responsible person of a department (normally the section head, 003 §2(2)); none if unnamed."""
    if not department_code:
        return []
    try:
        return holders(session, department_code, "responsible_person")
    except DirectoryError:
        return []


def is_admin(session: Session, person_id: str) -> bool:
    person = session.get(Person, person_id)
    return bool(person and "admin" in (person.system_roles or []))


def roles_of(session: Session, person_id: str) -> list[RoleAssignment]:
    return list(
        session.execute(
            select(RoleAssignment).where(RoleAssignment.person_id == person_id, RoleAssignment.until.is_(None))
        ).scalars()
    )


def change_role(
    session: Session,
    now: datetime,
    department_code: str,
    role: str,
    old_person: str | None,
    new_person_id: str,
    new_person_name: str = "",
    title: str = "",
    phone: str = "",
) -> dict:
    """Replace the holder of a role (P9). New tasks go to the new person; assigned tasks stay put."""
    department(session, department_code)
    if role not in ROLES:
        raise DirectoryError(f"未知角色 {role}")
    person = session.get(Person, new_person_id)
    if person is None:
        if not new_person_name:
            raise DirectoryError(f"目录中没有人员“{new_person_id}”，需提供姓名")
        # not the published demo password: the account waits for a one-time password (engine/passwords.py)
        person = Person(id=new_person_id, name=new_person_name, password_hash="")
        session.add(person)
    if title:
        person.title = title
    if phone:
        person.phone = phone
    ended = []
    if old_person:
        for row in session.execute(
            select(RoleAssignment).where(
                RoleAssignment.person_id == old_person,
                RoleAssignment.department == department_code,
                RoleAssignment.role == role,
                RoleAssignment.until.is_(None),
            )
        ).scalars():
            row.until = now
            ended.append(row.person_id)
        if not ended:
            raise DirectoryError(f"“{old_person}”并未在该部门担任{ROLES[role]}，不能替换")
    session.add(RoleAssignment(person_id=person.id, department=department_code, role=role, since=now))
    session.flush()
    return {"department": department_code, "role": role, "replaced": ended, "new_person": person.id}


def certified_officers(db, department: str) -> list[dict]:
    """Enforcement officers of the department who hold a certificate (001 §4(3)2), sorted by id."""
    rows = db.execute(
        select(RoleAssignment.person_id, RoleAssignment.certificate)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.department == department, RoleAssignment.role == "enforcement_officer",
               RoleAssignment.until.is_(None), Person.active.is_(True))
        .order_by(RoleAssignment.person_id)
    ).all()
    return [{"id": pid, "certificate": cert} for pid, cert in rows if cert and cert.strip()]
