# The two commands of the README: `make up` and `make test`. Everything they need is installed
# here, from the pinned lock file, into ./.venv: nothing relies on a hand install.
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
PYTEST_ARGS ?=

# CINEMESH_* settings (CINEMESH_HOST, CINEMESH_PORT, CINEMESH_DATA_DIR, CINEMESH_ADMIN_EMAIL, ...)
# reach `cinemesh up` as they are: from the environment, or from the command line
# (`make up CINEMESH_PORT=9000`), both of which make exports to recipes.

.PHONY: install up test check lint typecheck contracts bench lock clean web system-deps test-deps deploy-tools

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q uv==$(UV_VERSION)
	$(UV) pip sync -q --python $(PY) requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@# Byte-compile once: with PYTHONDONTWRITEBYTECODE set (as on CI), every process would
	@# otherwise recompile FastAPI and SQLAlchemy from source at each start (~3 s each).
	$(PY) -m compileall -q -j0 $(VENV)/lib src >/dev/null 2>&1 || true
	touch $@

install: $(VENV)/.installed

# The web app: npm ci only when the lock file is newer than node_modules, then esbuild.
web/node_modules/.package-lock.json: web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

web: web/node_modules/.package-lock.json
	npm run build --prefix web --silent

# The real OpenID provider the users and web tests sign in with (node oidc-provider).
tests/support/oidc/node_modules/.package-lock.json: tests/support/oidc/package-lock.json
	npm ci --prefix tests/support/oidc --no-audit --no-fund --loglevel=error
	touch $@

test-deps: tests/support/oidc/node_modules/.package-lock.json

# checkov, which tests/integration/deploy runs on deploy/k8s and the Dockerfile, in a virtualenv
# of its own from a lock of its own: in the project's lock it would pin boto3 and pytest back.
CHECKOV_VENV := $(VENV)/tools/checkov
$(CHECKOV_VENV)/.installed: deploy/k8s/tools/checkov.lock $(VENV)/.installed
	test -x $(CHECKOV_VENV)/bin/python || python3 -m venv $(CHECKOV_VENV)
	$(UV) pip sync -q --python $(CHECKOV_VENV)/bin/python deploy/k8s/tools/checkov.lock
	$(CHECKOV_VENV)/bin/python -m compileall -q -j0 $(CHECKOV_VENV)/lib >/dev/null 2>&1 || true
	touch $@

deploy-tools: $(CHECKOV_VENV)/.installed

up: install web
	$(VENV)/bin/cinemesh up

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(PY) scripts/check_module_size.py

typecheck: install
	$(VENV)/bin/mypy

contracts: install
	$(VENV)/bin/lint-imports

# The fast loop (under 2 minutes): lint, types, import contracts and the unit tier (tests/unit,
# marked by folder in tests/conftest.py); no backend, browser or ffmpeg is started.
check: lint typecheck contracts
	$(VENV)/bin/pytest -n 2 -m unit -p no:cacheprovider -q $(PYTEST_ARGS) tests/unit

system-deps:
	scripts/install-system-deps.sh

# Browser tests run in a pytest process of their own: Playwright's sync API leaves an event loop
# on its thread that breaks asyncio tests scheduled after it on the same worker. They run one at a
# time: the demo-catalog test transcodes five titles, and beside it Chromium on two cores could
# not start playback in time.
test: lint typecheck contracts web system-deps test-deps deploy-tools
	$(VENV)/bin/pytest -n 2 --dist loadgroup -m "not browser" $(PYTEST_ARGS)
	$(VENV)/bin/pytest -m browser $(PYTEST_ARGS)

bench: install web system-deps
	$(PY) -m bench

lock: $(VENV)/.installed
	$(UV) pip compile -q pyproject.toml --extra test --python-version 3.11 -o requirements.lock
	$(UV) pip compile -q deploy/k8s/tools/checkov.in --python-version 3.11 -o deploy/k8s/tools/checkov.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
