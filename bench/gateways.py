"""N exclusive gateways behind one parallel split, each with a conditional and a default flow, every
element and flow drawn: the large file that shows deployment-time validation grows linearly with a
file's size. The gateways sit side by side (a wide file, not a deep one), and the markup is terse
(BPMN as the default namespace, no ids on the diagram's shapes) so 4 000 gateways stay under the
upload limit."""

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:d="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:c="http://www.omg.org/spec/DD/20100524/DC" xmlns:i="http://www.omg.org/spec/DD/20100524/DI" id="defs" targetNamespace="http://liandong.gov.cn/bench">
<process id="{pid}" name="网关{n}" isExecutable="true">
<startEvent id="start"/><sequenceFlow id="s" sourceRef="start" targetRef="k"/><parallelGateway id="k"/><endEvent id="e"/>
"""


def _shape(element: str, x: int, y: int, size: int = 36) -> str:
    return f'<d:BPMNShape bpmnElement="{element}"><c:Bounds x="{x}" y="{y}" width="{size}" height="{size}"/></d:BPMNShape>'


def _edge(flow: str, x1: int, y1: int, x2: int, y2: int) -> str:
    return f'<d:BPMNEdge bpmnElement="{flow}"><i:waypoint x="{x1}" y="{y1}"/><i:waypoint x="{x2}" y="{y2}"/></d:BPMNEdge>'


def gateway_fan(n: int) -> tuple[str, str]:
    pid = f"bench_gateways_{n}"
    body = [HEAD.format(pid=pid, n=n)]
    di = [_shape("start", 0, 0), _shape("k", 60, 0, 50), _shape("e", 300, 0), _edge("s", 36, 18, 60, 18)]
    for i in range(n):
        y = 60 * (i + 1)
        body.append(f'<exclusiveGateway id="g{i}" default="d{i}"/><sequenceFlow id="f{i}" sourceRef="k" targetRef="g{i}"/>'
                    f'<sequenceFlow id="c{i}" sourceRef="g{i}" targetRef="e"><conditionExpression>a&gt;{i}'
                    f'</conditionExpression></sequenceFlow><sequenceFlow id="d{i}" sourceRef="g{i}" targetRef="e"/>')
        di += [_shape(f"g{i}", 150, y, 50), _edge(f"f{i}", 85, 50, 150, y), _edge(f"c{i}", 200, y, 300, 18),
               _edge(f"d{i}", 175, y, 318, 36)]
    body.append(f'</process>\n<d:BPMNDiagram id="diagram"><d:BPMNPlane id="plane" bpmnElement="{pid}">')
    body += di
    body.append("</d:BPMNPlane></d:BPMNDiagram>\n</definitions>\n")
    return pid, "\n".join(body)
