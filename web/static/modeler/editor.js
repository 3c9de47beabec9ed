/* 流程建模器：bpmn-js 建模器 + 本项目属性面板（纯 JS，无打包）。
   属性以 spiffworkflow:properties 扩展元素读写（经 bpmn-js 的 moddle 与 modeling 命令，可撤销）。 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("modeler-config").textContent);
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL";

  var modeler = new BpmnJS({
    container: "#canvas",
    moddleExtensions: { spiffworkflow: window.SPIFFWORKFLOW_MODDLE }
  });
  window.liandongModeler = modeler;
  var moddle = modeler.get("moddle");
  var modeling = modeler.get("modeling");
  var registry = modeler.get("elementRegistry");
  var canvas = modeler.get("canvas");
  var selection = modeler.get("selection");
  var eventBus = modeler.get("eventBus");
  var draftId = cfg.draftId;
  var loopRefs = {};
  var dirty = false;

  var statusBox = document.getElementById("modeler-status");
  var problemsBox = document.getElementById("modeler-problems");
  var panel = document.getElementById("props");

  function status(text, kind) {
    statusBox.textContent = text || "";
    statusBox.className = "modeler-status" + (kind ? " " + kind : "");
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (k in node && typeof attrs[k] !== "string") node[k] = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // --- SpiffWorkflow names multi-instance collections by variable name, not by a BPMN data element:
  // bpmn-js cannot resolve such references and would drop them on export, so keep them by hand.
  function readLoopRefs(xml) {
    var refs = {};
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    var loops = doc.getElementsByTagNameNS(BPMN_NS, "multiInstanceLoopCharacteristics");
    for (var i = 0; i < loops.length; i++) {
      var owner = loops[i].parentNode && loops[i].parentNode.getAttribute("id");
      if (!owner) continue;
      var entry = {};
      ["loopDataInputRef", "loopDataOutputRef"].forEach(function (name) {
        var found = loops[i].getElementsByTagNameNS(BPMN_NS, name);
        if (found.length) entry[name] = found[0].textContent.trim();
      });
      refs[owner] = entry;
    }
    return refs;
  }

  function restoreLoopRefs() {
    registry.getAll().forEach(function (element) {
      var bo = element.businessObject;
      var loop = bo && bo.loopCharacteristics;
      var entry = bo && loopRefs[bo.id];
      if (!loop || !entry) return;
      Object.keys(entry).forEach(function (name) {
        if (!loop.get(name) && entry[name]) {
          loop.set(name, moddle.create("bpmn:DataInput", { id: entry[name] }));
        }
      });
    });
  }

  // --- spiffworkflow:properties ---
  function propsOf(bo) {
    var ext = bo.extensionElements;
    if (!ext) return null;
    return (ext.get("values") || []).filter(function (v) { return v.$instanceOf("spiffworkflow:Properties"); })[0] || null;
  }

  function getProp(bo, name) {
    var props = propsOf(bo);
    if (!props) return "";
    var found = (props.get("properties") || []).filter(function (p) { return p.name === name; })[0];
    return found ? (found.value || "") : "";
  }

  function setProp(element, name, value) {
    var bo = element.businessObject;
    value = (value || "").trim();
    if (value === getProp(bo, name)) return;
    var ext = bo.extensionElements;
    if (!ext) {
      if (!value) return;
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = propsOf(bo);
    if (!props) {
      if (!value) return;
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: (ext.get("values") || []).concat([props]) });
    }
    var list = props.get("properties") || [];
    var existing = list.filter(function (p) { return p.name === name; })[0];
    if (!value) {
      if (existing) modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== existing; }) });
    } else if (existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
    } else {
      var created = moddle.create("spiffworkflow:Property", { name: name, value: value });
      created.$parent = props;
      modeling.updateModdleProperties(element, props, { properties: list.concat([created]) });
    }
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0] || null;
  }

  function timerExpression(bo) {
    var def = timerDefinition(bo);
    var expr = def && (def.timeDate || def.timeDuration || def.timeCycle);
    return expr ? (expr.body || "") : "";
  }

  function setTimerExpression(element, value) {
    var def = timerDefinition(element.businessObject);
    if (!def) return;
    var key = def.timeDuration ? "timeDuration" : def.timeCycle ? "timeCycle" : "timeDate";
    var expr = moddle.create("bpmn:FormalExpression", { body: value.trim() });
    expr.$parent = def;
    var change = {};
    change[key] = expr;
    modeling.updateModdleProperties(element, def, change);
  }

  function setCondition(element, value) {
    value = value.trim();
    var expr = value ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined;
    if (expr) expr.$parent = element.businessObject;
    modeling.updateProperties(element, { conditionExpression: expr });
  }

  // --- the panel ---
  function field(label, input, hint) {
    return el("label", { className: "prop-field" }, [
      el("span", { className: "prop-label", text: label }), input,
      hint ? el("small", { className: "hint", text: hint }) : null
    ]);
  }

  function textInput(name, value, onChange, placeholder) {
    var input = el("input", { name: name, value: value || "", placeholder: placeholder || "", spellcheck: "false" });
    input.addEventListener("change", function () { onChange(input.value); });
    return input;
  }

  function selectInput(name, options, value, onChange, unknown) {
    var select = el("select", { name: name });
    var known = false;
    select.appendChild(el("option", { value: "", text: "（未设置）" }));
    options.forEach(function (o) {
      var opt = el("option", { value: o[0], text: o[1] === o[0] ? o[0] : o[1] + "（" + o[0] + "）" });
      if (o[0] === value) { opt.selected = true; known = true; }
      select.appendChild(opt);
    });
    if (value && !known) select.appendChild(el("option", { value: value, text: value + (unknown || "（未部署）"), selected: true }));
    select.addEventListener("change", function () { onChange(select.value); });
    return select;
  }

  function is(element, type) {
    return element.businessObject && element.businessObject.$instanceOf(type);
  }

  function render(element) {
    panel.innerHTML = "";
    if (!element || element.type === "label") {
      var root = canvas.getRootElement();
      panel.appendChild(el("p", { className: "muted", text: "选择一个元素以编辑其属性。" }));
      if (root && root.businessObject) panel.appendChild(el("p", { className: "small muted", text: "流程：" + (root.businessObject.name || root.businessObject.id) }));
      return;
    }
    var bo = element.businessObject;
    var forms = cfg.forms.map(function (f) { return [f, f]; });
    panel.dataset.element = bo.id;
    panel.appendChild(el("h3", { text: (bo.name || "（未命名）") }));
    panel.appendChild(field("标识", el("input", { value: bo.id, readOnly: true, className: "mono", name: "id" })));
    if (!is(element, "bpmn:Process")) {
      panel.appendChild(field("名称", textInput("name", bo.name, function (v) { modeling.updateProperties(element, { name: v }); })));
    }
    if (is(element, "bpmn:Lane")) {
      panel.appendChild(el("h4", { text: "泳道：由谁办理" }));
      panel.appendChild(field("角色 role", selectInput("role", cfg.roles, getProp(bo, "role"), function (v) { setProp(element, "role", v); }, "（无效角色）")));
      panel.appendChild(field("部门 department", textInput("department", getProp(bo, "department"), function (v) { setProp(element, "department", v); }, "例如 department 或 'legal_office'"),
        "表达式：变量名或带引号的部门代码；角色为发起人时不需要"));
      panel.appendChild(field("指定办理人 assignee", textInput("assignee", getProp(bo, "assignee"), function (v) { setProp(element, "assignee", v); }, "可选，例如 requested_by")));
      panel.appendChild(field("候选人 candidates", textInput("candidates", getProp(bo, "candidates"), function (v) { setProp(element, "candidates", v); }, "可选，人员 id 列表的表达式")));
    }
    if (is(element, "bpmn:UserTask") || is(element, "bpmn:ManualTask")) {
      panel.appendChild(el("h4", { text: "用户任务" }));
      panel.appendChild(field("表单 form", selectInput("form", forms, getProp(bo, "form"), function (v) { setProp(element, "form", v); })));
      panel.appendChild(field("期限 due", textInput("due", getProp(bo, "due"), function (v) { setProp(element, "due", v); }, "例如 working_days_after(3, sent_at)"),
        "表达式，返回截止时间；可用 working_days_after、now 等"));
      panel.appendChild(field("期限类型 limit_kind", selectInput("limit_kind", cfg.limitKinds, getProp(bo, "limit_kind"), function (v) { setProp(element, "limit_kind", v); }, "（无效）"),
        "设置期限时必填：决定能否补正暂停计时、能否延期及由谁批准"));
      var deemed = el("input", { type: "checkbox", name: "deemed_received", checked: getProp(bo, "deemed_received") === "true" });
      deemed.addEventListener("change", function () { setProp(element, "deemed_received", deemed.checked ? "true" : ""); });
      panel.appendChild(el("label", { className: "prop-check" }, [deemed, document.createTextNode(" 超时视为已接收（deemed_received）")]));
    }
    if (is(element, "bpmn:StartEvent") && !is(element.parent || {}, "bpmn:SubProcess")) {
      panel.appendChild(el("h4", { text: "开始事件" }));
      panel.appendChild(field("发起表单 form", selectInput("form", forms, getProp(bo, "form"), function (v) { setProp(element, "form", v); })));
    }
    if (timerDefinition(bo)) {
      panel.appendChild(el("h4", { text: "定时器" }));
      panel.appendChild(field("定时表达式", textInput("timer", timerExpression(bo), function (v) { setTimerExpression(element, v); }, "例如 working_days_after(1, pushed_at)")));
      if (is(element, "bpmn:BoundaryEvent")) {
        panel.appendChild(field("结果 outcome", selectInput("outcome", cfg.outcomes, getProp(bo, "outcome"), function (v) { setProp(element, "outcome", v); }, "（无效）"),
          "超时视为接收：被取消的任务记为“超时视为接收”"));
      }
    }
    if (is(element, "bpmn:SequenceFlow") && element.source && is(element.source, "bpmn:Gateway")) {
      var condition = bo.conditionExpression ? (bo.conditionExpression.body || "") : "";
      panel.appendChild(el("h4", { text: "条件" }));
      panel.appendChild(field("条件表达式", textInput("condition", condition, function (v) { setCondition(element, v); }, "例如 answer_result == 'agree'")));
    }
  }

  eventBus.on("selection.changed", function (e) { render(e.newSelection.length === 1 ? e.newSelection[0] : null); });
  eventBus.on("elements.changed", function (e) {
    dirty = true;
    var selected = selection.get();
    if (selected.length === 1 && e.elements.indexOf(selected[0]) >= 0 && !panel.contains(document.activeElement)) render(selected[0]);
  });

  // --- problems pointing at elements ---
  var marked = [];
  function clearMarks() {
    marked.forEach(function (id) { if (registry.get(id)) canvas.removeMarker(id, "has-problem"); });
    marked = [];
  }

  function focusElement(id) {
    var element = registry.get(id);
    if (!element) return false;
    selection.select(element);
    if (canvas.scrollToElement) canvas.scrollToElement(element, { top: 120, bottom: 120, left: 120, right: 120 });
    return true;
  }

  function showProblems(problems) {
    clearMarks();
    problemsBox.innerHTML = "";
    problemsBox.hidden = !problems.length;
    problems.forEach(function (p) {
      var where = p.element ? p.element + (p.element_name ? "（" + p.element_name + "）" : "") : "整个文件";
      if (p.line) where += " 第" + p.line + "行";
      var item = el("li", { className: "problem", "data-element": p.element || "" }, [
        el("strong", { text: where }), document.createTextNode("：" + p.reason)
      ]);
      if (p.element && registry.get(p.element)) {
        canvas.addMarker(p.element, "has-problem");
        marked.push(p.element);
        item.classList.add("clickable");
        item.title = "点击定位到该元素";
        item.addEventListener("click", function () { focusElement(p.element); });
      }
      problemsBox.appendChild(item);
    });
  }

  // --- server calls ---
  async function currentXml() {
    var result = await modeler.saveXML({ format: true });
    return result.xml;
  }

  async function post(url, fields) {
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    Object.keys(fields).forEach(function (k) { if (fields[k] !== null && fields[k] !== undefined) body.set(k, fields[k]); });
    var response = await fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf } });
    var data;
    try { data = await response.json(); } catch (e) { data = { ok: false, problems: [{ reason: "服务器返回 " + response.status }] }; }
    return data;
  }

  async function saveDraft() {
    var data = await post(cfg.saveUrl, { xml: await currentXml(), draft_id: draftId, base_definition_id: cfg.baseDefinitionId });
    if (data.ok) {
      draftId = data.draft_id;
      dirty = false;
      document.getElementById("modeler-title").textContent = "草稿 " + draftId;
      history.replaceState(null, "", data.edit_url);
      status(data.message, "ok");
    } else {
      status(data.error || "保存失败", "error");
    }
    return data;
  }

  async function validate() {
    status("正在校验……");
    var data = await post(cfg.validateUrl, { xml: await currentXml(), process_key: cfg.processKey });
    showProblems(data.problems || []);
    if (data.ok && (data.questions || []).length) status("校验通过；部署时需要确认：" + data.questions.join("；"), "ok");
    else if (data.ok) status("校验通过：可以部署。", "ok");
    else status("校验未通过：" + (data.problems || []).length + " 个问题（点击问题定位元素）。", "error");
    return data;
  }

  async function deploy(confirmed) {
    status("正在部署……");
    var data = await post(cfg.deployUrl, { xml: await currentXml(), draft_id: draftId, process_key: cfg.processKey,
                                          as_new_version: confirmed ? "1" : null });
    showProblems(data.problems || []);
    if (!data.ok && (data.questions || []).length) {  // another file's process id: ask before it becomes a version
      status("尚未部署，需要确认：" + data.questions.join("；"), "error");
      var yes = el("button", { type: "button", className: "button primary", id: "btn-confirm-version", text: "确认作为新版本部署" });
      yes.addEventListener("click", guard(function () { return deploy(true); }));
      statusBox.appendChild(document.createTextNode(" "));
      statusBox.appendChild(yes);
      return data;
    }
    if (data.ok) {
      dirty = false;
      if (data.changed) document.getElementById("modeler-title").textContent = "已部署为版本 " + data.version;
      status(data.message, "ok");
      var link = el("a", { href: data.url, text: "查看版本列表", id: "deployed-link" });
      statusBox.appendChild(document.createTextNode(" "));
      statusBox.appendChild(link);
    } else {
      status("部署被拒绝：" + (data.problems || []).length + " 个问题，未保存任何内容。", "error");
    }
    return data;
  }

  async function sandbox() {
    var data = await saveDraft();
    if (!data.ok) return;
    var form = document.getElementById("sandbox-form");
    form.action = data.sandbox_url;
    form.submit();
  }

  async function download() {
    var xml = await currentXml();
    var link = el("a", { href: URL.createObjectURL(new Blob([xml], { type: "application/xml" })), download: cfg.processKey + ".bpmn" });
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function guard(fn) {
    return function () {
      fn().catch(function (err) { status("出错：" + (err && err.message ? err.message : err), "error"); });
    };
  }

  document.getElementById("btn-save").addEventListener("click", guard(saveDraft));
  document.getElementById("btn-validate").addEventListener("click", guard(validate));
  document.getElementById("btn-deploy").addEventListener("click", guard(function () {
    // 部署 cannot be undone: say what it changes before it happens
    if (!window.confirm("部署后将生成新版本：此后新发起的事项按新版本办理，正在办理的事项仍按原版本办理。确定部署？")) return;
    return deploy();
  }));
  document.getElementById("btn-sandbox").addEventListener("click", guard(sandbox));
  document.getElementById("btn-download").addEventListener("click", guard(download));
  window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });

  window.liandong = { validate: validate, deploy: deploy, saveDraft: saveDraft, focusElement: focusElement, render: render };

  async function load() {
    status("正在加载流程图……");
    var response = await fetch(cfg.sourceUrl, { credentials: "same-origin" });
    if (!response.ok) { status("无法加载流程图（" + response.status + "）", "error"); return; }
    var xml = await response.text();
    loopRefs = readLoopRefs(xml);
    var result = await modeler.importXML(xml);
    restoreLoopRefs();
    canvas.zoom("fit-viewport");
    dirty = false;
    var warnings = (result.warnings || []).filter(function (w) { return !/unresolved reference/.test(w.message); });
    status(warnings.length ? "已加载，导入提示 " + warnings.length + " 条" : "已加载。", warnings.length ? "" : "ok");
    document.body.dataset.modelerReady = "1";
    render(null);
  }

  load().catch(function (err) { status("流程图无法打开：" + (err && err.message ? err.message : err), "error"); });
})();
