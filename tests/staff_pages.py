"""Reading a task page as its holder: the 事项信息 card as label → text, as the holder sees it."""
import html as markup
import re

from tests.test_public_pages import WebUser

_CARD = re.compile(r"<h2>事项信息</h2>(.*?)</section>", re.S)
_ITEM = re.compile(r"<dt>(.*?)</dt><dd class=\"pre\">(.*?)</dd>", re.S)


def task_page(app, person: str, task) -> str:
    response = WebUser(app, person).get(f"/tasks/{task.id}")
    assert response.status_code == 200, f"{person} cannot open task {task.spec_id}"
    return response.get_data(as_text=True)


def facts(app, person: str, task) -> dict[str, str]:
    """The matter's facts on `person`'s page of `task` (labels and values unescaped)."""
    card = _CARD.search(task_page(app, person, task))
    assert card, "the task page has no 事项信息 card"
    return {markup.unescape(k): markup.unescape(v) for k, v in _ITEM.findall(card.group(1))}
