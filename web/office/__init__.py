"""The Chinese office operations on a task or a matter (templates/office/): their declarations
(operations.py, which the task page, the matter page and the API read) and their pages (views.py)."""
