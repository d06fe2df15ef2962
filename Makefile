# make run: set up and start the line on the embedded defaults.  make test: the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := var/dev.env
# Where `make simulate` serves voicemails; the worker downloads only from carrier media hosts.
MEDIA_PORT ?= 5099
# The web server's port: PORT, else HOTLINE_PORT, else 5000 (the banner and `make simulate` too).
PORT ?= $(or $(HOTLINE_PORT),5000)
export PORT
# Runs a command with the developer environment (secrets generated once into var/dev.env, which
# may override the local carrier media host and public URL set here).
WITH_ENV := set -a && HOTLINE_CARRIER_MEDIA_HOSTS=127.0.0.1:$(MEDIA_PORT) \
	&& HOTLINE_CARRIER_MEDIA_ALLOW_HTTP=true \
	&& HOTLINE_PUBLIC_BASE_URL=$${HOTLINE_PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} \
	&& . ./$(DEV_ENV) && set +a &&

.PHONY: run simulate model graphviz test lint check migrate seed bench clean

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

# The IVR's picture (`flask --app app ivr diagram`, the /ivr page) is drawn by Graphviz's dot.
DOT := /usr/bin/dot
$(DOT):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq graphviz
graphviz: $(DOT)

$(DEV_ENV):
	mkdir -p var
	@printf 'HOTLINE_SECRET_KEY=%s\nHOTLINE_CARRIER_AUTH_TOKEN=%s\nHOTLINE_CARRIER_ACCOUNT_SID=AC%s\n' \
		"$$(openssl rand -hex 32)" "$$(openssl rand -hex 16)" "$$(openssl rand -hex 16)" > $@
	@printf 'HOTLINE_CARRIER_MEDIA_HOSTS=127.0.0.1:%s\nHOTLINE_CARRIER_MEDIA_ALLOW_HTTP=true\n' \
		"$(MEDIA_PORT)" >> $@
	@echo "Generated $@ (developer secrets; never used in production)."

migrate: $(VENV)/.installed $(DEV_ENV)
	@$(WITH_ENV) $(BIN)/flask --app app db upgrade

seed: migrate
	@$(WITH_ENV) $(BIN)/flask --app app hotline seed-demo

# The small Chinese speech model, unless a model is installed: its size and SHA-256 are pinned
# (README, "Transcription"); without a network it says so in one line. Another zip:
# make model MODEL_URL=URL-or-ZIP MODEL_SHA256=HEX MODEL_BYTES=N
INSTALL_MODEL := $(WITH_ENV) $(BIN)/flask --app app transcripts install-model --if-missing
model: $(VENV)/.installed $(DEV_ENV)
	@$(INSTALL_MODEL) $(MODEL_URL) $(if $(MODEL_SHA256),--sha256 $(MODEL_SHA256)) \
		$(if $(MODEL_BYTES),--size $(MODEL_BYTES))

# Offers the model once (a run never fails for it), then starts web, worker and beat; Ctrl-C
# stops all three and exits 0.
run: seed
	@$(INSTALL_MODEL) || true
	@$(WITH_ENV) $(BIN)/flask --app app hotline welcome
	@$(WITH_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m hotline.devtools.procfile Procfile

# Plays the carrier against `make run` from a second terminal: press 0, nobody answers, voicemail.
simulate: $(VENV)/.installed $(DEV_ENV)
	@$(WITH_ENV) $(BIN)/flask --app app hotline simulate-call --from +8613800000001 --press 0 \
		--volunteer no-answer --voicemail ../shared/speech/zh/paddlespeech_zh.wav \
		--url http://127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev $(CHROMIUM) $(DOT)
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
