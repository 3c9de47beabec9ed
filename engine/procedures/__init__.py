"""What belongs to one procedure (or a few) rather than to the engine: the operations their service tasks
call (listed in engine/effects.py) and the records they keep. P1's 行政许可 publicity, P10's draw, P11's
penalty cases, P12's complaints and 查询码, P13's credit records, the 经营异常名录, and the public notices
they all publish through."""
