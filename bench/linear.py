"""A linear process of N user tasks in one lane, with its diagram, for the benchmarks."""

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="http://liandong.gov.cn/bench">
  <bpmn:collaboration id="collab"><bpmn:participant id="participant" name="基准流程" processRef="{pid}" /></bpmn:collaboration>
  <bpmn:process id="{pid}" name="基准流程{n}" isExecutable="true">
    <bpmn:laneSet id="laneset"><bpmn:lane id="lane" name="联络人">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="liaison" /><spiffworkflow:property name="department" value="department" />
      </spiffworkflow:properties></bpmn:extensionElements>
{refs}
    </bpmn:lane></bpmn:laneSet>
"""
FORM = '{"title": "步骤", "type": "object", "properties": {"note": {"type": "string", "title": "意见"}}}'


def linear_bpmn(n: int) -> tuple[str, str]:
    pid = f"bench_linear_{n}"
    ids = ["start"] + [f"step_{i}" for i in range(n)] + ["end"]
    refs = "\n".join(f"      <bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    body = [HEAD.format(pid=pid, n=n, refs=refs)]
    body.append('    <bpmn:startEvent id="start"><bpmn:outgoing>f_0</bpmn:outgoing></bpmn:startEvent>')
    for i in range(n):
        body.append(
            f'    <bpmn:userTask id="step_{i}" name="步骤{i}"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="form" value="bench_step.json" />'
            f'<spiffworkflow:property name="due" value="working_days_after(3)" />'
            f'<spiffworkflow:property name="limit_kind" value="internal" />'
            f'</spiffworkflow:properties></bpmn:extensionElements>'
            f'<bpmn:incoming>f_{i}</bpmn:incoming><bpmn:outgoing>f_{i + 1}</bpmn:outgoing></bpmn:userTask>')
    body.append(f'    <bpmn:endEvent id="end"><bpmn:incoming>f_{n}</bpmn:incoming></bpmn:endEvent>')
    for i in range(n + 1):
        body.append(f'    <bpmn:sequenceFlow id="f_{i}" sourceRef="{ids[i]}" targetRef="{ids[i + 1]}" />')
    body.append('  </bpmn:process>\n  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="collab">')
    width = 160 * (n + 2) + 100
    body.append(f'    <bpmndi:BPMNShape id="participant_di" bpmnElement="participant" isHorizontal="true">'
                f'<dc:Bounds x="0" y="0" width="{width}" height="200" /></bpmndi:BPMNShape>')
    body.append(f'    <bpmndi:BPMNShape id="lane_di" bpmnElement="lane" isHorizontal="true">'
                f'<dc:Bounds x="30" y="0" width="{width - 30}" height="200" /></bpmndi:BPMNShape>')
    for k, element in enumerate(ids):
        x = 80 + 160 * k
        w, h = (36, 36) if element in ("start", "end") else (100, 80)
        body.append(f'    <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}">'
                    f'<dc:Bounds x="{x}" y="{100 - h // 2}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    for i in range(n + 1):
        x1 = 80 + 160 * i + (36 if i == 0 else 100)
        body.append(f'    <bpmndi:BPMNEdge id="f_{i}_di" bpmnElement="f_{i}"><di:waypoint x="{x1}" y="100" />'
                    f'<di:waypoint x="{80 + 160 * (i + 1)}" y="100" /></bpmndi:BPMNEdge>')
    body.append("  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn:definitions>\n")
    return pid, "\n".join(body)
