PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install migrate seed messages clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# The demo behaves like production: the minute scans (reminders, overdue supervision,
# auto-close, message delivery) run beside the web server in their own process.
# The law search's article vectors are written in the background, niced, on one core (with
# eager tasks nothing queues them): from the shipped vectors (legalqa/search/corpus_e5.npz) about a
# minute after the import, embedding only passages the file lacks; the search works without them
# and uses them as soon as the aligned file is written.
run: seed
	$(BIN)/python manage.py run_scheduler & SCHEDULER=$$!; \
	mkdir -p var; $(BIN)/python manage.py embed_articles --nice 15 > var/embed_articles.log 2>&1 & EMBED=$$!; \
	trap 'kill $$SCHEDULER $$EMBED 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

test: lint
	$(BIN)/python -m pytest -q

messages: install
	for app in grid grievances mediation legalqa pufa_media ops; do (cd $$app && ../$(BIN)/django-admin makemessages -l en -l zh_Hans --no-obsolete); done
	$(BIN)/python manage.py compilemessages_py

clean:
	rm -rf $(VENV)
