"""Lists of matters read rows, not workflow state: the inbox, 已办, 我发起的, notifications and the admin
list never load a matter's state text, which grows to hundreds of KB over a long matter (issue 22: the
inbox at 100 000 matters)."""
import pytest
from sqlalchemy import event

pytest_plugins = ["tests.web_fixtures"]

LISTS = {"zhuling": ["/inbox/mine", "/inbox/group", "/inbox/done", "/inbox/started", "/notifications"],
         "hujie": ["/inbox/group"], "admin": ["/admin/"]}


@pytest.mark.usefixtures("at_inspection")  # a group task 现场核查 for hujie
def test_list_pages_do_not_read_the_state_text(app, web, backdoor):
    backdoor.start()  # one more matter, its first step in zhuling's inbox
    sessions = {person: web(person) for person in LISTS}
    for person, urls in LISTS.items():  # warm: sign-in, caches
        for url in urls:
            assert sessions[person].get(url).status_code == 200, url
    bind = app.extensions["liandong_engine"]
    read_state: list[str] = []

    def watch(_conn, _cursor, statement, *_):
        if "instance.state" in statement:
            read_state.append(statement)
    event.listen(bind, "before_cursor_execute", watch)
    try:
        for person, urls in LISTS.items():
            for url in urls:
                page = sessions[person].get(url)
                assert page.status_code == 200, url
                assert not read_state, (url, [s[:300] + " … " + s[s.find(" FROM "):][:300] for s in read_state])
        assert "现场核查" in sessions["hujie"].get("/inbox/group").get_data(as_text=True)
    finally:
        event.remove(bind, "before_cursor_execute", watch)
