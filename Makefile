# Payment tracker: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
TSX := node_modules/.bin/tsx
# Local state (embedded cluster, dev key, infra.json, make up's pid and log); the scripts read DATA_DIR too.
DATA_DIR ?= .data
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help install up down run-app migrate build client test typecheck lint format check bench api-key api-key-revoke api-key-rotate account-add accounts account-remove webhook-listen console-screenshots logs clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# pnpm itself: installed once with npm (corepack cannot verify this registry's signatures).
node_modules/.modules.yaml: package.json pnpm-lock.yaml pnpm-workspace.yaml apps/*/package.json packages/*/package.json
	@command -v pnpm >/dev/null || npm install -g pnpm@10.34.9
	pnpm install --frozen-lockfile
	@touch $@

install: node_modules/.modules.yaml ## install dependencies (pnpm, frozen lockfile)

up: install ## start the infrastructure alone (embedded Postgres + gateway-mock) in the background
	@mkdir -p $(DATA_DIR)
	@if [ -f $(DATA_DIR)/up.pid ] && kill -0 $$(cat $(DATA_DIR)/up.pid) 2>/dev/null; then echo "already up (pid $$(cat $(DATA_DIR)/up.pid))"; \
	else nohup $(TSX) scripts/up.ts > $(DATA_DIR)/up.log 2>&1 & echo $$! > $(DATA_DIR)/up.pid; \
	  for i in $$(seq 1 100); do grep -q GATEWAY_URL $(DATA_DIR)/up.log 2>/dev/null && break; sleep 0.2; done; cat $(DATA_DIR)/up.log; fi

down: ## stop what `make up` started
	@if [ -f $(DATA_DIR)/up.pid ] && kill -0 $$(cat $(DATA_DIR)/up.pid) 2>/dev/null; then kill $$(cat $(DATA_DIR)/up.pid); \
	  while kill -0 $$(cat $(DATA_DIR)/up.pid) 2>/dev/null; do sleep 0.1; done; echo "stopped"; else echo "not running"; fi
	@rm -f $(DATA_DIR)/up.pid

run-app: install ## run the whole service (api :8000, syncer, gateway-mock :8001) until Ctrl-C
	@$(TSX) scripts/run-app.ts

migrate: install ## apply database migrations (idempotent)
	@$(TSX) scripts/migrate.ts

api-key: install ## create an API client and print its key: make api-key NAME=acme [ADMIN=1]
	@$(TSX) scripts/api-key.ts create "$(NAME)"

api-key-revoke: install ## revoke a client's keys: make api-key-revoke NAME=acme
	@$(TSX) scripts/api-key.ts revoke "$(NAME)"

api-key-rotate: install ## a new key; the old ones expire after GRACE: make api-key-rotate NAME=acme [GRACE=24h]
	@GRACE="$(GRACE)" $(TSX) scripts/api-key.ts rotate "$(NAME)"

account-add: install ## register a sender account to a client: make account-add NAME=acme ACCOUNT=12345678
	@$(TSX) scripts/accounts.ts add "$(NAME)" "$(ACCOUNT)"

accounts: install ## list a client's sender accounts: make accounts NAME=acme
	@$(TSX) scripts/accounts.ts list "$(NAME)"

account-remove: install ## take a sender account from a client: make account-remove NAME=acme ACCOUNT=12345678
	@$(TSX) scripts/accounts.ts remove "$(NAME)" "$(ACCOUNT)"

webhook-listen: install ## a development webhook receiver on :8002 that prints and verifies: [WEBHOOK_SECRET=whsec_…]
	@$(TSX) scripts/webhook-listen.ts

build: install ## bundle each app into apps/<app>/dist/main.mjs and each command into dist/ (what the image runs)
	@$(TSX) scripts/build.ts

client: install ## regenerate packages/client's types from the API's OpenAPI document (no database needed)
	@$(TSX) scripts/generate-client.ts

test: install ## run the whole test suite (starts its own Postgres and gateway-mock)
	vitest run

console-screenshots: install ## the console's screens as docs/console-*.png, by its browser test in chromium
	CONSOLE_SCREENSHOTS_DIR=$(CURDIR)/docs vitest run tests/e2e/src/console/console-browser.test.ts

typecheck: install ## strict TypeScript check
	tsc --noEmit -p tsconfig.json

lint: install ## formatter + linter (Biome)
	biome check .

format: install ## apply Biome's formatting and safe fixes
	biome check --write .

check: typecheck lint test ## what CI runs

bench: install ## benchmarks against their floors; writes bench/results/
	$(TSX) bench/run.ts

logs: ## follow the background infrastructure's log (make up)
	@tail -f $(DATA_DIR)/up.log

clean: down ## remove local data (embedded Postgres, dev key) and installed modules
	@# As root the cluster may live elsewhere, .data/pg a link to it (packages/core/src/dev/postgres-as-root.ts).
	@if [ -L .data/pg ]; then rm -rf "$$(readlink .data/pg)"; fi
	rm -rf .data node_modules apps/*/node_modules apps/*/dist dist bench/dist packages/*/node_modules
