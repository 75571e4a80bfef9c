# The two commands that matter: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SEED ?= 2017
# PostgreSQL used by `make test` when reachable; CI sets REQUIRE_POSTGRES=1.
PG_URL ?= $(if $(filter postgres%,$(DATABASE_URL)),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/shegong)
# WeasyPrint needs a CJK font and HarfBuzz's subsetter, or it prints boxes or crawls.
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
# Browser tests drive Debian's Chromium; PDF tests read text with pdftotext.
TEST_SYSTEM_PACKAGES := chromium poppler-utils
MANAGE := $(BIN)/python manage.py
UV := $(VENV)/tools/bin/uv
# `make demo` serves as users see it, DEBUG off; `DEBUG=1 make demo` is for developers.
DEBUG ?= 0
# Links and certificate QR codes name the address the demo is served at.
DEMO_ENV := DEBUG=$(DEBUG) WAGTAILADMIN_BASE_URL=http://127.0.0.1:$(PORT)
# Some shells set PYTHONDONTWRITEBYTECODE; every command would then compile
# Django and Wagtail from source again, seconds each time.
unexport PYTHONDONTWRITEBYTECODE
TEST_ENV := env -u DATABASE_URL DJANGO_SETTINGS_MODULE=learning.settings.test
# Two test processes per database: when one database's run is done, the other's
# still has both cores. Tests that share a costly build stay in one process
# (tests/conftest.py: pytest_xdist_make_scheduler).
XDIST ?= -n 2

.PHONY: demo prod test setup system-packages test-system-packages lint worker lock clean

setup: $(BIN)/.installed

# uv installs the locked packages. It is fetched with the system's pip into the
# venv's tools/ (a venv without its own pip is ready in a fraction of a second),
# or with the venv's pip where the system Python has none. Packages are compiled
# to bytecode at install, on every core, not module by module at first import.
$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	test -x $(UV) || $(PYTHON) -m pip install -q --disable-pip-version-check --target $(VENV)/tools uv \
	  || { $(BIN)/python -m ensurepip -q && $(BIN)/python -m pip install -q --disable-pip-version-check --target $(VENV)/tools uv; }
	$(UV) pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	touch $@

# Installs missing Debian packages when running as root; otherwise says what to install.
define install_debs
	@missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "安装系统软件包:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "请先安装系统软件包:$$missing  (Debian/Ubuntu: sudo apt-get install$$missing)"; \
	  fi; \
	fi
endef

system-packages:
	$(call install_debs,$(SYSTEM_PACKAGES))

test-system-packages:
	$(call install_debs,$(TEST_SYSTEM_PACKAGES))

demo: setup system-packages
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) seed_demo --skip-checks --index-in-background --seed $(SEED)
	@mkdir -p .demo
	@echo "后台任务 worker 与网站一起启动（日志：.demo/worker.log）；按 Ctrl-C 同时停止。"
	@echo "网站: http://127.0.0.1:$(PORT)/   管理后台: http://127.0.0.1:$(PORT)/admin/"
	( $(DEMO_ENV) $(MANAGE) resume_certificate_batches --stale-after 0 && \
	  exec env $(DEMO_ENV) $(MANAGE) db_worker ) > .demo/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(MANAGE) runserver --skip-checks $(if $(filter 1,$(DEBUG)),,--noreload) 127.0.0.1:$(PORT)

# The production shape on this machine (README: 运行与部署): PostgreSQL,
# gunicorn with threaded workers, the task worker, Redis when it answers.
prod: setup system-packages
	PORT=$(if $(filter 8000,$(PORT)),8001,$(PORT)) deploy/run-local.sh

worker: setup
	$(MANAGE) resume_certificate_batches --stale-after 0
	$(MANAGE) db_worker

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The SQLite and PostgreSQL runs go side by side; each writes its own log,
# printed whole when both are done, and either failing fails the target.
test: setup system-packages test-system-packages lint
	$(TEST_ENV) $(MANAGE) check --fail-level WARNING & checks=$$!; \
	$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run; migrations=$$?; \
	wait $$checks && test $$migrations -eq 0
	@mkdir -p .test-logs
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== 测试：SQLite 与 PostgreSQL ($(PG_URL)) 同时运行 =="; \
	  $(TEST_ENV) $(BIN)/pytest --reuse-db $(XDIST) $(PYTEST_ARGS) > .test-logs/sqlite.log 2>&1 & sqlite=$$!; \
	  DATABASE_URL='$(PG_URL)' DJANGO_SETTINGS_MODULE=learning.settings.test $(BIN)/pytest --reuse-db $(XDIST) $(PYTEST_ARGS) > .test-logs/postgres.log 2>&1 & postgres=$$!; \
	  wait $$sqlite; s=$$?; wait $$postgres; p=$$?; \
	  echo "== 测试：SQLite（退出码 $$s）=="; cat .test-logs/sqlite.log; \
	  echo "== 测试：PostgreSQL（退出码 $$p）=="; cat .test-logs/postgres.log; \
	  test $$s -eq 0 && test $$p -eq 0; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL 不可用 ($(PG_URL))，而 REQUIRE_POSTGRES 已设置"; exit 1; \
	else \
	  echo "PostgreSQL 不可用 ($(PG_URL))，只在 SQLite 上测试"; \
	  $(TEST_ENV) $(BIN)/pytest --reuse-db $(XDIST) $(PYTEST_ARGS); \
	fi

lock:
	$(UV) pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .test-db.sqlite3* .test-db-*.lock .test-logs .pytest_cache .ruff_cache
