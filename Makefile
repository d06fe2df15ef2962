# make run: set up and start the line on the embedded defaults.  make test: the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := var/dev.env
# Where `make simulate` serves voicemails; the worker downloads only from carrier media hosts.
MEDIA_PORT ?= 5099
# Runs a command with the developer environment (secrets generated once into var/dev.env, which
# may override the local carrier media host set here).
WITH_ENV := set -a && HOTLINE_CARRIER_MEDIA_HOSTS=127.0.0.1:$(MEDIA_PORT) \
	&& HOTLINE_CARRIER_MEDIA_ALLOW_HTTP=true && . ./$(DEV_ENV) && set +a &&

.PHONY: run simulate test lint check migrate seed bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# The browser tests drive Debian's Chromium with a CJK font (Playwright downloads nothing).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk

$(DEV_ENV):
	mkdir -p var
	@printf 'HOTLINE_SECRET_KEY=%s\nHOTLINE_CARRIER_AUTH_TOKEN=%s\nHOTLINE_CARRIER_ACCOUNT_SID=AC%s\n' \
		"$$(openssl rand -hex 32)" "$$(openssl rand -hex 16)" "$$(openssl rand -hex 16)" > $@
	@echo "Generated $@ (developer secrets; never used in production)."

migrate: $(VENV)/.installed $(DEV_ENV)
	$(WITH_ENV) $(BIN)/flask --app app db upgrade

seed: migrate
	$(WITH_ENV) $(BIN)/flask --app app hotline seed-demo

run: seed
	@$(WITH_ENV) $(BIN)/flask --app app hotline welcome
	$(WITH_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

# Plays the carrier against `make run` from a second terminal: press 0, nobody answers, voicemail.
simulate: $(VENV)/.installed $(DEV_ENV)
	$(WITH_ENV) $(BIN)/flask --app app hotline simulate-call --from +8613800000001 --press 0 \
		--volunteer no-answer --voicemail ../shared/speech/zh/paddlespeech_zh.wav \
		--url http://127.0.0.1:5000

test: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

check: lint test

bench: $(VENV)/.installed-dev
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/transcription.py
	$(BIN)/python bench/rota.py
	$(BIN)/python bench/tickets.py

clean:
	rm -rf $(VENV) var/.pytest_cache
