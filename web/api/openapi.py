"""The OpenAPI 3 document of /api/v1 (kept beside the views it describes)."""
from engine import states


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema: dict, description: str = "成功") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _labelled(labels: dict[str, str]) -> dict:
    """A state field: its values and their Chinese names, from engine/states.py."""
    return {"type": "string", "enum": list(labels), "description": "；".join(f"{k}：{v}" for k, v in labels.items())}


TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}


# Refusals any operation on the engine may answer with (web/__init__.py maps LiandongError subclasses).
COMMON_ERRORS = {"400": "请求含有不允许的字符（空字符、单独的代理码位、文字方向控制符、控制字符）",
                 "401": "缺少或无效的访问令牌", "403": "无权执行", "404": "不存在", "409": "状态已变化，请刷新后重试",
                 "422": "请求或表单有误"}


def document() -> dict:
    doc = _document()
    for path, item in doc["paths"].items():
        for operation in item.values():
            for code, description in COMMON_ERRORS.items():
                if code == "401" and operation.get("security") == []:
                    continue
                if code in ("404", "409") and "{" not in path and path != "/matters":
                    continue
                operation["responses"].setdefault(code, _error(description))
    return doc


def _document() -> dict:
    task = {"$ref": "#/components/schemas/Task"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "审管联动 Liandong API", "version": "1.0.0",
                 "description": "办理人员接口：发起事项、查询待办、读取和办理任务。错误均为 {error, errors?}，"
                                "error 为中文说明，errors 为逐字段说明。"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "由 POST /token 取得"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "Matter": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "process": {"type": "string"}, "process_name": {"type": "string"},
                    "subject": {"type": "string"}, "enterprise_name": {"type": "string"},
                    "credit_code": {"type": "string"}, "started_by": {"type": "string"},
                    "status": _labelled(states.MATTER)}},
                "Task": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "spec_id": {"type": "string"},
                    "state": _labelled(states.TASK),
                    "instance_id": {"type": "integer"}, "department": {"type": "string"},
                    "role": {"type": "string"}, "assignee": {"type": "string", "nullable": True},
                    "candidates": {"type": "array", "items": {"type": "string"}},
                    "revision": {"type": "integer", "description": "办理时须原样提交，用于并发校验"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "due_at": {"type": "string", "format": "date-time", "nullable": True},
                    "due_provisional": {"type": "boolean"},
                    "light": {"type": "string", "enum": ["green", "yellow", "red", "none"]},
                    "deadline_text": {"type": "string"}, "deemed_received": {"type": "boolean"},
                    "limit_unit": {"type": "string", "enum": ["working", "calendar"],
                                   "description": "期限单位：working 工作日；calendar 自然日（如行政处罚法第六十条），延期天数按此单位计"},
                    "matter": {"$ref": "#/components/schemas/Matter"},
                    "form_schema": {"type": "object", "description": "任务表单（JSON Schema）"},
                    "holder": {"type": "string"}}},
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/token": {"post": {
                "summary": "用账号和密码换取访问令牌", "security": [],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["id", "password"],
                    "properties": {"id": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["token", "expires_at"], "properties": {
                    "token": {"type": "string"}, "token_type": {"type": "string"}, "person": {"type": "string"},
                    "expires_at": {"type": "string", "format": "date-time", "description": "令牌到期时间"}}}),
                    "401": _error("账号或密码不正确"), "422": _error("请求体不是 JSON 对象"),
                    "429": _error("登录失败次数过多，15分钟内不再受理")}}},
            "/token/revoke": {"post": {
                "summary": "注销本令牌（之后使用该令牌一律 401）",
                "responses": {"200": _json({"type": "object", "required": ["revoked"],
                                            "properties": {"revoked": {"type": "boolean"}}}),
                              "401": _error("未登录")}}},
            "/processes": {"get": {
                "summary": "我可以发起的流程及其发起表单",
                "responses": {"200": _json({"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
                    "start_form": {"type": "object"}}}}), "401": _error("未登录")}}},
            "/matters": {"post": {
                "summary": "发起事项",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["process", "data"],
                    "properties": {"process": {"type": "string"}, "data": {"type": "object"}}}}}},
                "responses": {"201": _json({"type": "object", "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string"},
                    "open_tasks": {"type": "array", "items": task}}}, "已发起"),
                    "401": _error("未登录"), "403": _error("无权发起该流程"), "422": _error("发起表单填写有误")}}},
            "/tasks": {"get": {
                "summary": "我的待办（mine）或待认领（group）",
                "parameters": [{"name": "scope", "in": "query", "schema": {
                    "type": "string", "enum": ["mine", "group"], "default": "mine"}}],
                "responses": {"200": _json({"type": "array", "items": task}), "401": _error("未登录")}}},
            "/tasks/{task_id}": {"get": {
                "summary": "读取任务及其表单", "parameters": [TASK_ID],
                "responses": {"200": _json(task), "401": _error("未登录"), "403": _error("无权查看"),
                              "404": _error("任务不存在")}}},
            "/tasks/{task_id}/complete": {"post": {
                "summary": "办理任务", "parameters": [TASK_ID],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["data", "revision"],
                    "properties": {"data": {"type": "object"}, "revision": {"type": "integer"}}}}}},
                "responses": {
                    "200": _json({"type": "object", "properties": {
                        "task": task, "instance_status": {"type": "string"},
                        "next_tasks": {"type": "array", "items": task}}}),
                    "401": _error("未登录"), "403": _error("不是该任务的办理人"), "404": _error("任务不存在"),
                    "409": _error("任务已被他人处理或版本号已过期"), "422": _error("表单填写有误")}}},
        } | _operation_paths(task),
    }


def _operation_paths(task: dict) -> dict:
    """One path per office operation, its body drawn from the operation's declared parameters."""
    from ..office.operations import MATTER_OPERATIONS, TASK_OPERATIONS
    kinds = {"integer": {"type": "integer"}, "date": {"type": "string", "format": "date"}}
    paths = {}
    for op in TASK_OPERATIONS + MATTER_OPERATIONS:
        props = {p.name: {**kinds.get(p.widget, {"type": "string"}), "description": p.title} for p in op.params}
        if op.name in ("add_signers", "copy"):
            props["people"] = {"type": "array", "items": {"type": "string"}, "description": "人员账号"}
        if op.on == "task":
            props["revision"] = {"type": "integer", "description": "任务版本号（退回、委派、加签时校验）"}
        required = [p.name for p in op.params if p.required]
        base = "/tasks/{task_id}" if op.on == "task" else "/matters/{matter_id}"
        param = TASK_ID if op.on == "task" else {"name": "matter_id", "in": "path", "required": True,
                                                  "schema": {"type": "integer"}}
        paths[f"{base}/{op.name}"] = {"post": {
            "summary": f"{op.label}：{op.hint}", "parameters": [param],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": required, "properties": props}}}},
            "responses": {"200": _json({"type": "object", "properties": {"done": {"type": "string"}, "task": task,
                                                                         "status": {"type": "string"}}}),
                          "401": _error("未登录"), "403": _error("无权执行"), "404": _error("不存在"),
                          "409": _error("状态已变化"), "422": _error("参数有误")}}}
    data_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["data"], "properties": {"data": {"type": "object"},
                                                               "revision": {"type": "integer"}}}}}}
    paths["/tasks/{task_id}/save"] = {"post": {"summary": "暂存表单", "parameters": [TASK_ID], "requestBody": data_body,
                                                "responses": {"200": _json({"type": "object"}), "403": _error("无权")}}}
    paths["/tasks/{task_id}/return"] = {"post": {"summary": "被委派人填写后交回委派人", "parameters": [TASK_ID],
                                                  "requestBody": data_body,
                                                  "responses": {"200": _json({"type": "object"}), "403": _error("无权")}}}
    paths["/signing"] = {"get": {"summary": "待我签署的加签意见", "responses": {"200": _json({"type": "array"})}}}
    paths["/copies"] = {"get": {"summary": "抄送我的事项", "responses": {"200": _json({"type": "array"})}}}
    return paths
