.PHONY: run test lint format messages bench mutation

run:  ## set up and start the app with demo data on the embedded default
	bash scripts/run.sh

test:  ## the whole test suite (DATABASE_URL=postgres://… for PostgreSQL)
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

bench:  ## app pages side by side with a bare Django page (PostgreSQL, Redis, wrk on 127.0.0.1)
	.venv/bin/python benchmarks/side_by_side.py

messages:  ## extract and compile translations (Swedish is the default language)
	.venv/bin/python manage.py makemessages -l sv -l en --ignore=.venv --ignore=staticfiles
	.venv/bin/python manage.py compilemessages --ignore=.venv

mutation:  ## mutation testing of the modules that decide (MODULE=moderation/workdays.py for one)
	MODULE=$(MODULE) bash scripts/mutation.sh
