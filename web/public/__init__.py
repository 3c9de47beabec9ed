"""Pages without sign-in (/public, templates/public/): published results, reporting and tracking a
report (pages.py)."""
