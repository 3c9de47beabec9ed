# Liandong (审管联动): two commands do all the set-up.
#   make run   install, create the SQLite database, load the calendar, directory and processes, serve on :5000
#   make test  install and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test timers bench clean lock

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[test]'
	touch $@

# bpmn-js for the diagram pages, from the npm registry (never committed)
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(VENV)/bin/liandong init
	@echo "定时器进程在后台运行（liandong timers --loop）；网页：http://$(HOST):$(PORT)/"
	$(VENV)/bin/liandong timers --loop & \
	trap 'kill $$!' EXIT INT TERM; \
	$(VENV)/bin/flask --app web run --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/ruff check engine web tests
	$(VENV)/bin/mypy
	LIANDONG_PATH_COVERAGE=1 $(VENV)/bin/pytest -n auto

# Benchmarks print figures beside their targets (PASS/SHORT); they assert nothing. PostgreSQL is used
# where it answers at 127.0.0.1:5432. inbox_scale and memory take a few minutes each.
bench: install
	$(PY) bench/step_cost.py
	$(PY) bench/aging.py
	$(PY) bench/throughput.py
	$(PY) bench/timers.py
	$(PY) bench/inbox_scale.py --keep
	$(PY) bench/memory.py
	$(PY) bench/script_cost.py

timers: install
	$(VENV)/bin/liandong timers --loop

clean:
	rm -rf $(VENV) instance *.egg-info

# Refresh constraints.txt from what pyproject.toml allows today (on purpose, then commit it).
lock:
	rm -rf .lock-venv && python3 -m venv .lock-venv && .lock-venv/bin/pip install -q --upgrade pip
	.lock-venv/bin/pip install -q -e '.[test]'
	{ head -2 constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v -i '^liandong'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv
