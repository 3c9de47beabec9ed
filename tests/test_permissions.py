"""Who may open a task or a matter (engine/permissions.py), asked by the pages and the API alike.

P3 (商请, 003 §2(3)): 孙丽 of 市场准入审批科 asks 市市场监督管理局, whose liaison 朱玲 answers; 徐明 is the
bureau's responsible person (003 §2(2)); 杜鑫 of the 督查室 oversees every department's work (003 §3(3)).
"""
import pytest

from tests.test_office import ANSWER, P3, request


@pytest.fixture
def p3(scenario):
    scenario.at("2026-09-30 10:00")
    return scenario.start(P3, by="sunli", data=request())


def _who_may_open(scenario, task_id, people):
    return scenario.run(lambda e: {p for p in people
                                   if e.permissions.may_view_task(e.tasks.get(task_id), p)})


PEOPLE = ("sunli", "zhaomin", "zhuling", "xuming", "duxin", "gaoyan", "hebin", "admin")


def test_the_answer_step_opens_for_its_holder_her_section_head_the_starter_and_oversight_only(scenario, p3):
    answer = p3.task("answer_request")
    # 赵敏 heads the starter's section; 高燕 and 何斌 work for the emergency bureau, not asked here
    assert _who_may_open(scenario, answer.id, PEOPLE) == {"sunli", "zhaomin", "zhuling", "xuming", "duxin", "admin"}


def test_the_whole_matter_opens_to_whoever_held_one_of_its_steps_not_to_the_answering_head(scenario, p3):
    p3.complete("answer_request", by="zhuling", data=ANSWER)
    seen = scenario.run(lambda e: {p for p in PEOPLE
                                   if e.permissions.may_view_matter(e.runtime.instance(p3.id), p)})
    # 徐明 answers for his bureau's step (above), not for the approval section's whole matter
    assert seen == {"sunli", "zhaomin", "zhuling", "duxin", "admin"}


def test_a_task_is_handed_over_only_to_a_colleague_of_the_same_role_and_department(scenario, p3):
    answer = p3.task("answer_request")
    targets = scenario.run(lambda e: e.tasks.hand_over_targets(e.tasks.get(answer.id), "zhuling"))
    assert targets == []  # 朱玲 is the market bureau's only liaison: no 转交 button for her
