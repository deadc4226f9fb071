# Okno: set-up, demo, tests. Every target installs what it is missing by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
LOCK   := requirements/lock.txt
STAMP  := $(VENV)/.installed

export QT_QPA_PLATFORM ?= offscreen
export QT_API := pyside6

.PHONY: setup demo test lint lock bench clean

setup: $(STAMP)

$(STAMP): $(LOCK) pyproject.toml deploy/install-system-deps.sh
	bash deploy/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8
	$(UV) pip install -q --python $(BIN)/python --require-hashes -r $(LOCK)
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# The server on embedded SQLite with the sample employment-centre office, plus every client app.
demo: setup
	$(BIN)/okno demo

# The Qt apps' tests run in a pytest process of their own: once a QApplication exists,
# pytest-qt processes Qt events after every test, and a stale event left by an app's test (most
# likely a socket notifier of a closed qasync loop whose file descriptor was reused) could crash
# a later server test that has nothing to do with Qt. Both runs always run; the first failure's
# exit code is kept.
GUI_TESTS := tests/display_board tests/kiosk_app tests/operator_desk tests/qt_common tests/hardware
test: setup
	bash deploy/install-system-deps.sh --test
	bash deploy/ensure-postgres.sh
	$(BIN)/python -m pytest $(addprefix --ignore=,$(GUI_TESTS)); core=$$?; \
	$(BIN)/python -m pytest $(GUI_TESTS); gui=$$?; \
	if [ $$core -ne 0 ]; then exit $$core; fi; exit $$gui

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m bench

# Re-resolve the locked dependencies after a change to pyproject.toml.
lock:
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_36 -o $(LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
