"""The administrator console (/admin, templates/admin/): matters, diagram, log, data, the 期限考核 report
and the calendar (console.py); repairs declared like the office operations (repairs.py); the 迁移 page
(migration.py)."""
