"""The process owner's pages: versions and counts, XML, version comparison, validation without
storing, upload, deployment of a changed diagram, drafts, and a trial run in a throw-away database."""
import base64
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import bpmn_xml
from engine.models import Definition, Draft, Event, Instance
from web.modeler import bpmn_diff

pytest_plugins = ["tests.web_fixtures"]
WEB_DATA = Path(__file__).parent / "data" / "web"

W_REVIEW = (WEB_DATA / "w_review.bpmn").read_text("utf-8")
TWO_STEPS = (WEB_DATA.parent / "two_steps.bpmn").read_text("utf-8")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def sandbox_dir(app, tmp_path):
    app.config["SANDBOX_DIR"] = str(tmp_path / "sandboxes")


@pytest.fixture
def owner(web):
    return web("owner")


def count(backdoor, model, *where) -> int:
    return backdoor.run(lambda e: e.db.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


def definition_id(backdoor, key: str, version: int) -> int:
    return backdoor.run(lambda e: e.db.execute(select(Definition.id).where(
        Definition.kind == "bpmn", Definition.key == key, Definition.version == version)).scalar_one())


def renamed(xml: str, old: str = 'name="现场核查"', new: str = 'name="现场核查（新）"') -> str:
    assert old in xml
    return xml.replace(old, new, 1)


def deploy_directly(backdoor, content: str, filename: str = "w_review.bpmn") -> int:
    return backdoor.run(lambda e: e.repository.deploy([(filename, content.encode())], "owner")[0].version)


# --- access ---
def test_staff_get_403_on_every_route(web, backdoor):
    def_id = definition_id(backdoor, "w_review", 1)
    draft = backdoor.run(lambda e: _add_draft(e, W_REVIEW))
    staff = web("zhuling")
    gets = ["/modeler/", "/modeler/processes/w_review", f"/modeler/definitions/{def_id}",
            f"/modeler/definitions/{def_id}/xml", "/modeler/processes/w_review/diff?a=1&b=1",
            "/modeler/processes/w_review/edit", f"/modeler/drafts/{draft}/xml", "/modeler/upload",
            "/modeler/sandbox/abc123", "/modeler/sandbox/abc123/xml"]
    posts = ["/modeler/validate", "/modeler/deploy", "/modeler/processes/w_review/drafts",
             f"/modeler/drafts/{draft}/delete", f"/modeler/drafts/{draft}/sandbox", "/modeler/upload",
             "/modeler/sandbox/abc123/start", "/modeler/sandbox/abc123/tasks/1/complete",
             "/modeler/sandbox/abc123/clock", "/modeler/sandbox/abc123/delete"]
    for url in gets:
        assert staff.get(url).status_code == 403, url
    for url in posts:
        assert staff.post(url, {"xml": W_REVIEW}).status_code == 403, url
    assert "仅限流程管理员" in text(staff.get("/modeler/"))
    assert count(backdoor, Definition, Definition.key == "w_review") == 1  # nothing deployed by staff
    assert count(backdoor, Draft) == 1  # nor deleted
    signed_out = web()
    assert signed_out.get("/modeler/").status_code == 302


def _add_draft(e, content: str, key: str = "w_review") -> int:
    draft = Draft(process_key=key, content=content, saved_by="owner", saved_at=e.clock.now())
    e.db.add(draft)
    e.db.flush()
    return draft.id


# --- definitions and versions ---
def test_definitions_list_versions_and_matter_counts(owner, backdoor):
    backdoor.start()
    backdoor.start()
    deploy_directly(backdoor, renamed(W_REVIEW))
    backdoor.start()
    page = text(owner.get("/modeler/"))
    row = re.search(r'<tr data-key="w_review">(.*?)</tr>', page, re.S).group(1)
    assert "网页测试流程" in row and "版本 2" in row and "3 / 3" in row
    assert 'data-key="t_two_steps"' in page

    detail = text(owner.get("/modeler/processes/w_review"))
    v1 = re.search(r'<tr data-version="1">(.*?)</tr>', detail, re.S).group(1)
    v2 = re.search(r'<tr data-version="2">(.*?)</tr>', detail, re.S).group(1)
    assert re.search(r'class="total-count">2<', v1) and re.search(r'class="total-count">1<', v2)
    assert "流程管理员" in v2 and "最新" in v2  # deployed by owner (name from the directory)
    assert "系统" in v1 and "2026-01-05" in v1


def test_diagram_page_uses_the_navigated_viewer(owner, backdoor):
    page = text(owner.get(f"/modeler/definitions/{definition_id(backdoor, 'w_review', 1)}"))
    assert "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page and 'id="viewer"' in page


def test_xml_download(owner, backdoor):
    response = owner.get(f"/modeler/definitions/{definition_id(backdoor, 'w_review', 1)}/xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert 'attachment; filename="w_review.v1.bpmn"' in response.headers["Content-Disposition"]
    assert text(response) == W_REVIEW
    inline = owner.get(f"/modeler/definitions/{definition_id(backdoor, 'w_review', 1)}/xml?inline=1")
    assert inline.mimetype == "text/plain" and "sandbox" in inline.headers["Content-Security-Policy"]
    assert text(inline) == W_REVIEW


# --- comparing versions ---
def changed_review() -> str:
    xml = renamed(W_REVIEW)
    xml = xml.replace('<spiffworkflow:property name="due" value="working_days_after(3)" />',
                      '<spiffworkflow:property name="due" value="working_days_after(5)" />', 1)
    xml = xml.replace('<spiffworkflow:property name="role" value="inspection_staff" />',
                      '<spiffworkflow:property name="role" value="enforcement_officer" />', 1)
    # acknowledge -> end becomes acknowledge -> archive -> end
    xml = xml.replace('<bpmn:flowNodeRef>end</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>archive</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>')
    xml = xml.replace('<bpmn:endEvent id="end" name="办结"><bpmn:incoming>flow_4</bpmn:incoming></bpmn:endEvent>',
                      '<bpmn:scriptTask id="archive" name="归档"><bpmn:incoming>flow_4</bpmn:incoming>'
                      '<bpmn:outgoing>flow_5</bpmn:outgoing><bpmn:script>archived = True</bpmn:script></bpmn:scriptTask>'
                      '<bpmn:endEvent id="end" name="办结"><bpmn:incoming>flow_5</bpmn:incoming></bpmn:endEvent>')
    xml = xml.replace('<bpmn:sequenceFlow id="flow_4" sourceRef="acknowledge" targetRef="end" />',
                      '<bpmn:sequenceFlow id="flow_4" sourceRef="acknowledge" targetRef="archive" />'
                      '<bpmn:sequenceFlow id="flow_5" sourceRef="archive" targetRef="end" />')
    xml = xml.replace('<bpmndi:BPMNEdge id="flow_4_di" bpmnElement="flow_4"><di:waypoint x="670" y="135" /><di:waypoint x="752" y="135" /></bpmndi:BPMNEdge>',
                      '<bpmndi:BPMNShape id="archive_di" bpmnElement="archive"><dc:Bounds x="690" y="95" width="50" height="80" /></bpmndi:BPMNShape>'
                      '<bpmndi:BPMNEdge id="flow_4_di" bpmnElement="flow_4"><di:waypoint x="670" y="135" /><di:waypoint x="690" y="135" /></bpmndi:BPMNEdge>'
                      '<bpmndi:BPMNEdge id="flow_5_di" bpmnElement="flow_5"><di:waypoint x="740" y="135" /><di:waypoint x="752" y="135" /></bpmndi:BPMNEdge>')
    assert "archive_di" in xml and "flow_5_di" in xml
    return xml


def test_bpmn_diff_by_element_id():
    old = W_REVIEW.replace('<bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef>', '')
    old = old.replace('<bpmn:flowNodeRef>inspect</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>inspect</bpmn:flowNodeRef><bpmn:flowNodeRef>acknowledge</bpmn:flowNodeRef>')
    result = bpmn_diff.compare(old, changed_review())
    assert {c.id for c in result.added} == {"archive", "flow_5"}
    assert result.removed == []
    changes = {c.id: {label: (a, b) for label, a, b in c.fields} for c in result.changed}
    assert changes["inspect"]["名称"] == ("现场核查", "现场核查（新）")
    assert changes["inspect"]["属性 due"] == ("working_days_after(3)", "working_days_after(5)")
    assert changes["lane_inspection"]["属性 role"] == ("inspection_staff", "enforcement_officer")
    assert changes["acknowledge"]["泳道"] == ("lane_inspection", "lane_liaison")
    assert changes["flow_4"]["终点"] == ("end", "archive")
    assert "prepare" not in changes and "start" not in changes
    back = bpmn_diff.compare(changed_review(), W_REVIEW)
    assert {c.id for c in back.removed} == {"archive", "flow_5"} and back.added == []
    assert bpmn_diff.compare(W_REVIEW, W_REVIEW).empty


def test_diff_page_of_two_versions(owner, backdoor):
    assert deploy_directly(backdoor, changed_review()) == 2
    page = text(owner.get("/modeler/processes/w_review/diff?a=1&b=2"))
    added = re.search(r'id="diff-added">(.*?)</ul>', page, re.S).group(1)
    assert "archive" in added and "flow_5" in added and "归档" in added
    changed = re.search(r'id="diff-changed">(.*?)</table>', page, re.S).group(1)
    assert "inspect" in changed and "现场核查（新）" in changed and "working_days_after(5)" in changed
    assert "enforcement_officer" in changed
    assert 'id="diff-removed"' not in page
    assert owner.get("/modeler/processes/w_review/diff?a=1&b=9").status_code == 404


# --- validation without storing ---
def validate(owner, xml: str) -> dict:
    response = owner.post("/modeler/validate", {"xml": xml})
    assert response.status_code == 200
    return response.get_json()


def test_validate_good_xml_stores_nothing(owner, backdoor):
    before = count(backdoor, Definition)
    result = validate(owner, renamed(W_REVIEW))
    assert result == {"ok": True, "problems": [], "questions": []}
    assert count(backdoor, Definition) == before


def test_validate_refuses_xxe(owner, backdoor):
    before = count(backdoor, Definition)
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           + W_REVIEW.split("\n", 1)[1].replace('name="现场核查"', 'name="&xxe;"'))
    result = validate(owner, xxe)
    assert not result["ok"] and "DOCTYPE" in result["problems"][0]["reason"]
    assert "root:" not in str(result)
    assert count(backdoor, Definition) == before


def test_validate_missing_di_names_the_element(owner, backdoor):
    xml = re.sub(r'<bpmndi:BPMNShape id="inspect_di".*?</bpmndi:BPMNShape>', "", renamed(W_REVIEW), flags=re.S)
    result = validate(owner, xml)
    assert not result["ok"]
    problem = next(p for p in result["problems"] if p["element"] == "inspect")
    assert "BPMNDI" in problem["reason"] and problem["element_name"] == "现场核查（新）" and problem["line"]
    assert count(backdoor, Definition, Definition.key == "w_review") == 1


def test_validate_names_empty_references_instead_of_failing(owner):
    """An empty flowNodeRef in a lane, or a business rule task whose calledDecisionId is empty beside
    one that names its table: each is a problem with its element, not a server error."""
    empty_ref = re.sub(r"<bpmn:flowNodeRef>[^<]*</bpmn:flowNodeRef>", "<bpmn:flowNodeRef/>", W_REVIEW, count=1)
    body = owner.post("/modeler/validate", {"xml": empty_ref, "process_key": "w_review"}).get_json()
    assert not body["ok"] and any(p["element"] == "lane_liaison" and "xs:IDREF" in p["reason"] for p in body["problems"])
    rules = ('<bpmn:businessRuleTask id="rule_a"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
             'p10_sampling_ratio</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>'
             '<bpmn:businessRuleTask id="rule_b"><bpmn:extensionElements><spiffworkflow:calledDecisionId />'
             '</bpmn:extensionElements></bpmn:businessRuleTask>')
    two_rules = W_REVIEW.replace("<bpmn:startEvent ", rules + "<bpmn:startEvent ", 1)
    body = owner.post("/modeler/validate", {"xml": two_rules, "process_key": "w_review"}).get_json()
    assert not body["ok"] and any(p["element"] == "rule_b" and "没有设置要调用的决策表" in p["reason"]
                                  for p in body["problems"])


def test_a_process_without_an_id_is_refused_and_nothing_is_stored(owner, backdoor):
    """The process id is the procedure's key (its versions are stored under it): a diagram whose
    executable process has none is refused with what to write, on validation and on upload."""
    before = count(backdoor, Definition)
    nameless = W_REVIEW.replace('<bpmn:process id="w_review" ', "<bpmn:process ", 1)
    body = owner.post("/modeler/validate", {"xml": nameless, "process_key": "w_review"}).get_json()
    assert not body["ok"] and [p["reason"] for p in body["problems"]] == [
        "可执行流程没有 id：在 bpmn:process 上设置 id，用英文标识，如 p14_leave_request"]
    uploaded = upload(owner, nameless, "nameless.bpmn")
    assert uploaded.status_code == 422 and "可执行流程没有 id" in text(uploaded)
    assert count(backdoor, Definition) == before


def test_validate_bad_lane_role_names_the_lane(owner, backdoor):
    xml = W_REVIEW.replace('value="inspection_staff"', 'value="janitor"')
    result = validate(owner, xml)
    assert [p["element"] for p in result["problems"]] == ["lane_inspection"]
    assert "janitor" in result["problems"][0]["reason"] and result["problems"][0]["element_name"] == "联合勘验人员"
    assert count(backdoor, Definition, Definition.key == "w_review") == 1


# --- upload ---
def upload(owner, content: str, name: str = "w_review_camunda.bpmn"):
    return owner.post("/modeler/upload", {"file": (io.BytesIO(content.encode()), name)},
                      content_type="multipart/form-data")


def test_upload_deploys_a_new_version(owner, backdoor):
    assert owner.get("/modeler/upload").status_code == 200
    response = upload(owner, renamed(W_REVIEW))
    assert response.status_code == 302 and response.headers["Location"].endswith("/modeler/processes/w_review")
    assert count(backdoor, Definition, Definition.key == "w_review") == 2
    row = backdoor.run(lambda e: e.repository.process("w_review"))
    assert row.version == 2 and row.filename == "w_review.bpmn" and row.deployed_by == "owner"
    assert "已上传并部署" in text(owner.get("/modeler/processes/w_review"))


def test_upload_with_errors_shows_them_per_element_and_stores_nothing(owner, backdoor):
    before, events = count(backdoor, Definition), backdoor.event_count()
    xml = W_REVIEW.replace('value="inspection_staff"', 'value="janitor"')
    xml = xml.replace('<spiffworkflow:property name="form" value="w_ack.json" />',
                      '<spiffworkflow:property name="form" value="missing.json" />')
    response = upload(owner, xml)
    assert response.status_code == 422
    page = text(response)
    table = re.search(r'id="problems">(.*?)</table>', page, re.S).group(1)
    assert "lane_inspection" in table and "acknowledge" in table and "missing.json" in table
    assert count(backdoor, Definition) == before and backdoor.event_count() == events
    assert upload(owner, "not xml", "notes.txt").status_code == 400


def test_upload_of_a_new_process_names_the_file_after_it(owner, backdoor):
    xml = W_REVIEW.replace('id="w_review"', 'id="w_copy"').replace('processRef="w_review"', 'processRef="w_copy"')
    response = upload(owner, xml, "copy.bpmn")
    assert response.status_code == 302
    row = backdoor.run(lambda e: e.repository.process("w_copy"))
    assert row.version == 1 and row.filename == "w_copy.bpmn"


# --- deploying from the modeler ---
def test_deploy_changed_diagram_new_matters_use_version_2(owner, backdoor):
    old = backdoor.start()
    assert owner.get("/modeler/processes/w_review/edit").status_code == 200
    response = owner.post("/modeler/deploy", {"xml": renamed(W_REVIEW)})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] and body["version"] == 2 and body["changed"]
    new = backdoor.start()
    versions = backdoor.run(lambda e: {i.id: i.version for i in e.db.execute(select(Instance)).scalars()})
    assert versions[old] == 1 and versions[new] == 2
    # the old matter goes on under version 1: its task still has the old name
    prepare = backdoor.open_task(old, "prepare")
    backdoor.complete(prepare["id"], "zhuling", {"summary": "材料齐全", "site_date": "2026-09-30",
                                                 "materials": ["license"], "staff_count": 2})
    assert backdoor.run(lambda e: e.tasks.of_instance(old, open_only=True)[0].name) == "现场核查"
    again = owner.post("/modeler/deploy", {"xml": renamed(W_REVIEW)}).get_json()
    assert again["ok"] and again["version"] == 2 and not again["changed"]


def test_deploy_refused_returns_problems_and_stores_nothing(owner, backdoor):
    response = owner.post("/modeler/deploy", {"xml": W_REVIEW.replace('value="inspection_staff"', 'value="x"')})
    assert response.status_code == 422
    assert [p["element"] for p in response.get_json()["problems"]] == ["lane_inspection"]
    assert count(backdoor, Definition, Definition.key == "w_review") == 1


# --- drafts ---
def test_draft_save_and_load(owner, backdoor):
    base = definition_id(backdoor, "w_review", 1)
    saved = owner.post("/modeler/processes/w_review/drafts", {"xml": renamed(W_REVIEW), "base_definition_id": base})
    body = saved.get_json()
    assert saved.status_code == 200 and body["ok"]
    draft_id = body["draft_id"]
    assert text(owner.get(f"/modeler/drafts/{draft_id}/xml")) == renamed(W_REVIEW)
    again = owner.post("/modeler/processes/w_review/drafts", {"xml": W_REVIEW, "draft_id": draft_id}).get_json()
    assert again["draft_id"] == draft_id
    assert text(owner.get(f"/modeler/drafts/{draft_id}/xml")) == W_REVIEW
    draft = backdoor.run(lambda e: e.db.get(Draft, draft_id))
    assert draft.saved_by == "owner" and draft.base_definition_id == base and draft.process_key == "w_review"
    page = owner.get(f"/modeler/processes/w_review/edit?draft={draft_id}")
    assert page.status_code == 200 and f"/modeler/drafts/{draft_id}/xml" in text(page)
    assert "bpmn-modeler.production.min.js" in text(page) and "spiffworkflow-moddle.js" in text(page)
    assert f"#{draft_id}" in text(owner.get("/modeler/processes/w_review"))
    assert count(backdoor, Definition, Definition.key == "w_review") == 1  # a draft is not a version
    assert owner.post(f"/modeler/drafts/{draft_id}/delete").status_code == 302
    assert count(backdoor, Draft) == 0
    # a diagram whose process id is new becomes a draft of that (not yet deployed) procedure
    new = W_REVIEW.replace('id="w_review"', 'id="w_new"').replace('processRef="w_review"', 'processRef="w_new"')
    body = owner.post("/modeler/processes/w_review/drafts", {"xml": new}).get_json()
    assert "/modeler/processes/w_new/edit" in body["edit_url"]
    listing = text(owner.get("/modeler/"))
    assert 'id="orphan-drafts"' in listing and "w_new" in listing


def test_a_draft_too_large_to_deploy_is_refused_as_too_large(owner, backdoor):
    """A draft is kept to the size deployment reads (bpmn_xml.MAX_BYTES): a larger one is refused as
    too large, not as "not a BPMN diagram" by the parser's own limit."""
    padded = W_REVIEW.replace("</bpmn:definitions>", "<!--" + " " * bpmn_xml.MAX_BYTES + "--></bpmn:definitions>")
    response = owner.post("/modeler/processes/w_review/drafts", {"xml": padded})
    assert response.status_code == 413 and response.get_json()["error"] == "草稿过大（上限 2 MB），未保存"
    assert count(backdoor, Draft) == 0


def test_edit_page_offers_roles_and_deployed_forms(owner):
    page = text(owner.get("/modeler/processes/w_review/edit"))
    config = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', page, re.S).group(1)
    assert "w_ack.json" in config and "inspection_staff" in config and "starter" in config
    assert "deemed_received" in config


# --- trial run ---
def test_sandbox_walks_a_draft_to_completion_with_a_timer(owner, backdoor):
    draft_xml = TWO_STEPS.replace('name="确认"', 'name="确认（试）"')
    draft_id = backdoor.run(lambda e: _add_draft(e, draft_xml, "t_two_steps"))
    events, instances, definitions = backdoor.event_count(), count(backdoor, Instance), count(backdoor, Definition)

    created = owner.post(f"/modeler/drafts/{draft_id}/sandbox")
    assert created.status_code == 302
    url = created.headers["Location"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    page = text(owner.get(url))
    assert "试运行" in page and "版本 2" in page and 'id="sandbox-start"' in page

    started = owner.post(f"{url}/start", {"as_user": "zhuling", "extra_json": '{"department": "market_bureau"}'})
    assert started.status_code == 302
    page = text(owner.get(url))
    assert 'data-spec="draft"' in page and "朱玲" in page, page

    task_id = int(re.search(r'/tasks/(\d+)/complete', page).group(1))
    owner.post(f"{url}/tasks/{task_id}/complete", {"as_user": "zhuling", "note": "起草完毕"})
    page = text(owner.get(url))
    assert 'data-spec="confirm"' in page and "确认（试）" in page and "超时默认确认" in page

    owner.post(f"{url}/clock", {"days": "7", "hours": "0"})  # 10-01..10-07 is the National Day holiday
    page = text(owner.get(url))
    assert 'data-status="running"' in page and "2026-10-08 23:59" in page  # due after 3 working days
    owner.post(f"{url}/clock", {"days": "4", "hours": "0"})
    page = text(owner.get(url))
    assert 'data-status="completed"' in page, page
    log = re.search(r'id="sandbox-log">(.*?)</section>', page, re.S).group(1)
    assert "发起" in log and "办理完成" in log and "办结" in log and "超时默认接收" in page  # engine/history.py KINDS
    assert "2026-10-09 09:00" in page  # the trial clock moved 11 days on from 2026-09-28

    # nothing of it reached the real database
    assert backdoor.event_count() == events and count(backdoor, Instance) == instances
    assert count(backdoor, Definition) == definitions

    assert owner.post(f"{url}/delete").status_code == 302
    assert owner.get(url).status_code == 404
    assert token.isalnum()


def test_a_trial_runs_start_form_has_the_text_limit_of_the_real_one(owner, backdoor):
    """A multi-line field of the start form takes at most input_text.MAX_TEXT_LENGTH characters, in a
    trial run as on the real start page (Repository.form_schema adds it; the form file declares none)."""
    start = json.loads((WEB_DATA / "forms" / "w_review_start.json").read_text("utf-8"))
    start["properties"]["remarks"] = {"type": "string", "title": "补充说明", "x-widget": "textarea"}
    backdoor.run(lambda e: e.repository.deploy([("w_review_start.json", json.dumps(start).encode())], "owner"))
    draft_id = backdoor.run(lambda e: _add_draft(e, renamed(W_REVIEW)))
    url = owner.post(f"/modeler/drafts/{draft_id}/sandbox").headers["Location"]
    field = re.search(r'<div class="field" id="field-remarks">(.*?)</div>', text(owner.get(url)), re.S).group(1)
    assert 'data-max-length="5000"' in field and "0/5000字" in field


def test_an_owner_keeps_the_newest_trial_runs_and_the_oldest_make_room(owner, backdoor, app):
    """Each trial run is a copy of the directory and every definition: an owner keeps at most
    sandbox.MAX_PER_OWNER of them, and making one more removes the least recently used."""
    from web.modeler import sandbox
    draft_id = backdoor.run(lambda e: _add_draft(e, TWO_STEPS, "t_two_steps"))
    urls = [owner.post(f"/modeler/drafts/{draft_id}/sandbox").headers["Location"] for _ in range(sandbox.MAX_PER_OWNER + 1)]
    assert owner.get(urls[0]).status_code == 404 and "试运行不存在或已过期" in text(owner.get(urls[0]))
    assert all(owner.get(url).status_code == 200 for url in urls[1:])
    folders = [p for p in Path(app.config["SANDBOX_DIR"]).glob("*/*") if (p / "meta.json").exists()]
    assert len(folders) == sandbox.MAX_PER_OWNER


def test_sandbox_refuses_a_broken_draft(owner, backdoor):
    draft_id = backdoor.run(lambda e: _add_draft(e, TWO_STEPS.replace('value="liaison"', 'value="nobody"'),
                                                 "t_two_steps"))
    response = owner.post(f"/modeler/drafts/{draft_id}/sandbox")
    assert response.status_code == 422 and "lane_liaison" in text(response)


def test_sandbox_refusals_are_shown(owner, backdoor):
    draft_id = backdoor.run(lambda e: _add_draft(e, TWO_STEPS, "t_two_steps"))
    url = owner.post(f"/modeler/drafts/{draft_id}/sandbox").headers["Location"]
    # gaoyan is a liaison, but not of market_bureau
    response = owner.post(f"{url}/start", {"as_user": "gaoyan", "extra_json": '{"department": "market_bureau"}'},
                          follow_redirects=True)
    assert "只有" in text(response) and 'id="sandbox-start"' in text(response)
    response = owner.post(f"{url}/start", {"as_user": "zhuling", "extra_json": "[1"}, follow_redirects=True)
    assert "JSON" in text(response)
    assert "其他数据不是有效的 JSON（第1行第3列）：两项之间缺少逗号" in text(response)  # engine/file_messages.py
    deep = owner.post(f"{url}/start", {"as_user": "zhuling", "extra_json": "[" * 100_000}, follow_redirects=True)
    assert deep.status_code == 200 and "其他数据的 JSON 嵌套过深" in text(deep)
    assert count(backdoor, Event, Event.kind == "started") == 0


def test_a_trial_run_step_stopped_by_the_sandbox_budget_names_the_element_and_marks_the_matter(owner, backdoor,
                                                                                               monkeypatch):
    """Issue 16: the trial run says which element ran out of which limit, and its matter shows 出错."""
    monkeypatch.setenv("LIANDONG_SCRIPT_SECONDS", "0.3")
    draft_xml = TWO_STEPS.replace('value="working_days_after(3)"', 'value="working_days_after(3) if sum(range(n)) else None"')
    draft_id = backdoor.run(lambda e: _add_draft(e, draft_xml, "t_two_steps"))
    url = owner.post(f"/modeler/drafts/{draft_id}/sandbox").headers["Location"]
    owner.post(f"{url}/start", {"as_user": "zhuling", "extra_json": '{"department": "market_bureau", "n": 10000000000000}'})
    task_id = int(re.search(r'/tasks/(\d+)/complete', text(owner.get(url))).group(1))
    owner.post(f"{url}/tasks/{task_id}/complete", {"as_user": "zhuling", "note": "起草完毕"})
    page = text(owner.get(url))
    assert 'data-status="error"' in page, page
    assert "two_steps.bpmn" in page and "（confirm）的 due" in page and "时间限制" in page


# --- versions that would join another file's procedure (issue 21 item 1) ---
def as_other_process(xml: str, key: str = "t_two_steps") -> str:
    return xml.replace('id="w_review"', f'id="{key}"').replace('processRef="w_review"', f'processRef="{key}"')


def test_the_modeler_asks_before_a_diagram_becomes_a_version_of_another_procedure(owner, backdoor):
    other = as_other_process(W_REVIEW)  # the owner edited w_review and typed t_two_steps as its id
    response = owner.post("/modeler/deploy", {"xml": other, "process_key": "w_review"})
    body = response.get_json()
    assert response.status_code == 409 and not body["ok"] and body["problems"] == []
    [question] = body["questions"]
    assert "已由另一个文件 two_steps.bpmn 部署" in question and "“两步测试流程”" in question
    assert "名称为“网页测试流程”" in question and "确认作为新版本部署" in question
    assert count(backdoor, Definition, Definition.key == "t_two_steps") == 1
    validated = owner.post("/modeler/validate", {"xml": other, "process_key": "w_review"}).get_json()
    assert validated["ok"] and validated["questions"] == [question]

    confirmed = owner.post("/modeler/deploy", {"xml": other, "process_key": "w_review", "as_new_version": "1"})
    assert confirmed.status_code == 200 and confirmed.get_json()["version"] == 2
    assert backdoor.run(lambda e: e.repository.process("t_two_steps").filename) == "two_steps.bpmn"


def test_an_upload_that_would_join_another_procedure_is_confirmed_without_choosing_the_file_again(owner, backdoor):
    other = as_other_process(W_REVIEW)
    response = upload(owner, other, "my_review.bpmn")
    assert response.status_code == 409
    page = text(response)
    question = re.search(r'id="version-question">(.*?)</div>', page, re.S).group(1)
    assert "my_review.bpmn" in question and "已由另一个文件 two_steps.bpmn 部署" in question
    assert count(backdoor, Definition, Definition.key == "t_two_steps") == 1
    carried = dict(zip(re.findall(r'name="carried_name" value="([^"]+)"', page),
                       re.findall(r'name="carried_content" value="([^"]+)"', page), strict=True))
    assert list(carried) == ["my_review.bpmn"]
    done = owner.post("/modeler/upload", {"as_new_version": "1", "carried_name": "my_review.bpmn",
                                          "carried_content": carried["my_review.bpmn"]})
    assert done.status_code == 302 and done.headers["Location"].endswith("/modeler/processes/t_two_steps")
    assert backdoor.run(lambda e: e.repository.process("t_two_steps").version) == 2


def test_files_too_large_to_carry_back_are_asked_about_without_a_confirmation_that_would_fail(owner, backdoor):
    """The confirmation form posts the files again, base64 and form-encoded: when that would pass the
    request limit (MAX_CONTENT_LENGTH, 413), the question says to upload them in parts instead."""
    def padded(title: str, size: int) -> bytes:
        form = {"title": title, "type": "object", "properties": {"seen": {"type": "boolean", "title": "已阅"}}}
        return json.dumps(form, ensure_ascii=False).encode()[:-1] + b" " * size + b"}"
    files = [("my_review.bpmn", as_other_process(W_REVIEW).encode()), ("pad_a.json", padded("甲", 1_600_000)),
             ("pad_b.json", padded("乙", 1_600_000))]
    response = upload_many(owner, files)
    assert response.status_code == 409 and "已由另一个文件 two_steps.bpmn 部署" in text(response)
    assert "这些文件合计过大，确认时无法一并带回：请分几次上传" in text(response)
    assert 'id="confirm-form"' not in text(response) and 'name="carried_content"' not in text(response)
    assert count(backdoor, Definition, Definition.key == "t_two_steps") == 1


# --- forms and decision tables beside the diagram (issue 21 item 3) ---
P10_DMN = (WEB_DATA.parent.parent.parent / "processes" / "p10_sampling_ratio.dmn").read_bytes()


def upload_many(owner, files: list[tuple[str, bytes]]):
    return owner.post("/modeler/upload", {"file": [(io.BytesIO(content), name) for name, content in files]},
                      content_type="multipart/form-data")


def with_new_form(xml: str) -> str:
    return as_other_process(xml, "w_upload").replace('value="w_ack.json"', 'value="w_upload_ack.json"')


ACK_FORM = json.dumps({"title": "接收确认（上传）", "type": "object", "required": ["seen"],
                       "properties": {"seen": {"type": "boolean", "title": "已阅"}}}, ensure_ascii=False).encode()


def test_a_diagram_uploads_with_its_form_and_a_decision_table(owner, backdoor):
    response = upload_many(owner, [("w_upload.bpmn", with_new_form(W_REVIEW).encode()),
                                   ("w_upload_ack.json", ACK_FORM), ("p10_sampling_ratio.dmn", P10_DMN)])
    assert response.status_code == 302 and response.headers["Location"].endswith("/modeler/processes/w_upload")
    page = text(owner.get("/modeler/processes/w_upload"))
    assert "已上传并部署流程“w_upload”版本 1" in page and "已上传并部署表单“w_upload_ack.json”版本 1" in page
    assert "已上传并部署决策表“p10_sampling_ratio”版本 1" in page
    form = backdoor.run(lambda e: e.repository.latest("form", "w_upload_ack.json"))
    assert json.loads(form.content)["title"] == "接收确认（上传）" and form.deployed_by == "owner"


def test_a_bad_form_or_table_beside_the_diagram_is_named_and_nothing_is_stored(owner, backdoor):
    before = count(backdoor, Definition)
    bad_table = P10_DMN.replace(b'hitPolicy="UNIQUE"', b'hitPolicy="FIRST"')
    response = upload_many(owner, [("w_upload.bpmn", with_new_form(W_REVIEW).encode()),
                                   ("w_upload_ack.json", b'{"title": "x", "type": "object", "properties": {"a": {"type": "strin"}}}'),
                                   ("p10_sampling_ratio.dmn", bad_table)])
    assert response.status_code == 422
    table = re.search(r'id="problems">(.*?)</table>', text(response), re.S).group(1)
    assert "w_upload_ack.json" in table and "p10_sampling_ratio.dmn" in table and "FIRST" in table
    assert count(backdoor, Definition) == before
    refused = upload_many(owner, [("w_upload.bpmn", with_new_form(W_REVIEW).encode()), ("notes.txt", b"hello")])
    assert refused.status_code == 400 and "只能上传 .bpmn 流程图、.dmn 决策表和 .json 表单" in text(refused)


def test_files_carried_back_by_the_confirmation_form_keep_the_uploads_budget(owner, backdoor):
    """The confirmation form comes back from the browser: its files are held to the same count, kinds
    and size as files chosen for upload, and a refusal stores nothing."""
    before = count(backdoor, Definition)
    xml = base64.b64encode(with_new_form(W_REVIEW).encode()).decode()

    def confirm(names: list[str], contents: list[str]):
        return owner.post("/modeler/upload", {"as_new_version": "1", "carried_name": names, "carried_content": contents})

    renamed_kind = confirm(["w_upload.html"], [xml])
    assert renamed_kind.status_code == 400 and "不能上传“w_upload.html”：只能上传 .bpmn 流程图" in text(renamed_kind)
    too_many = confirm([f"f{n}.json" for n in range(31)], [""] * 31)
    assert too_many.status_code == 400 and "一次最多上传 30 个文件" in text(too_many)
    large = base64.b64encode(b" " * (bpmn_xml.MAX_BYTES + 1)).decode()
    too_large = confirm(["w_upload.bpmn", "big.json"], [xml, large])
    assert too_large.status_code == 400 and "不能上传“big.json”：文件过大（每个文件上限 2 MB）" in text(too_large)
    assert count(backdoor, Definition) == before


def test_a_form_too_large_to_deploy_is_refused_as_too_large_not_as_broken_json(owner, backdoor):
    before = count(backdoor, Definition)
    form = ACK_FORM[:-1] + b", " + b" " * bpmn_xml.MAX_BYTES + b"}"  # valid JSON, over the size of one file
    response = upload_many(owner, [("w_upload.bpmn", with_new_form(W_REVIEW).encode()), ("w_upload_ack.json", form)])
    assert response.status_code == 400 and "不能上传“w_upload_ack.json”：文件过大" in text(response)
    assert "不是有效的 JSON" not in text(response) and count(backdoor, Definition) == before
