"""Staff pages (templates/inbox/): 我的待办 and 待认领, the task page and its basic actions (pages.py,
actions.py), starting a matter (starting.py), 已办, 我发起的 and 超期督办 (worklists.py)."""
