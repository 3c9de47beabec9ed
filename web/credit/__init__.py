"""Credit supervision pages for staff (/credit, templates/credit/): the 经营异常名录 (abnormal_list.py)."""
