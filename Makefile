# Aftersales — `make run` and `make test` work on a fresh machine with nothing configured.
SHELL := /bin/bash
GO    ?= go
PKGS  := ./...

.PHONY: run test deps-test generate check-generated vet build bench clean-data help

help:
	@echo "make run    start the app (finds or starts PostgreSQL, migrates, loads demo data)"
	@echo "make test   install test dependencies when missing, vet, check templ output, run all tests"
	@echo "make bench  run the benchmarks"

## run: start the app on :8080 with demo data in an empty database.
run:
	@$(GO) build -o bin/aftersales ./cmd/aftersales
	@exec ./bin/aftersales serve -demo

build:
	$(GO) build -o bin/aftersales ./cmd/aftersales

generate:
	$(GO) tool templ generate

## deps-test: Chromium and a CJK font for the browser tests (installed when root).
deps-test:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need="$$need chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || need="$$need fonts-wqy-microhei"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing:$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
	  else \
	    echo "The browser tests need:$$need — install them with: sudo apt-get install$$need"; exit 1; \
	  fi; \
	fi

## check-generated: regenerating the templ code must change nothing (commit what it writes).
check-generated:
	@sums() { find . -path ./.data -prune -o -name '*_templ.go' -print | sort | xargs md5sum; }; \
	before=$$(sums); \
	$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }; \
	after=$$(sums); \
	if [ "$$before" != "$$after" ]; then \
	  echo "Generated templ code was stale; 'go tool templ generate' changed:"; \
	  diff <(echo "$$before") <(echo "$$after") | grep '^[<>]' | awk '{print "  " $$3}' | sort -u; exit 1; \
	fi

vet:
	$(GO) vet $(PKGS)

## test: PostgreSQL bootstrap, browser deps, vet, fresh templ output, all tests with -race.
test: deps-test vet check-generated
	@url=$$($(GO) run ./cmd/aftersales db-url) || exit 1; \
	echo "PostgreSQL for tests: $$url"; \
	TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 20m $(PKGS)

## bench: Go micro-benchmarks, then the load scenarios against the floors F0/U0 on the
## seeded benchmark databases (1M and 10k orders; seeded once, reused after). The table
## is printed at the end and kept in .data/bench/results.md. bin/aftersales is built with
## -tags bench: only then does serve -bench mount the floors, the statement counter and
## pprof (make run and make build leave them out).
bench:
	@$(GO) build -tags bench -o bin/aftersales ./cmd/aftersales && $(GO) build -o bin/aftersales-bench ./cmd/aftersales-bench
	@url=$$($(GO) run ./cmd/aftersales db-url) || exit 1; \
	echo "== Go micro-benchmarks"; \
	TEST_DATABASE_URL="$$url" $(GO) test -run '^$$' -bench . -benchmem $(PKGS) || exit 1; \
	echo "== Load scenarios (aftersales-bench)"; \
	./bin/aftersales-bench -server ./bin/aftersales

## clean-data: stop and delete the private PostgreSQL cluster under .data/.
clean-data:
	-@for b in /usr/lib/postgresql/*/bin/pg_ctl; do [ -x "$$b" ] && [ -f .data/postgres/PG_VERSION ] && \
	  { if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- $$b -D .data/postgres stop; else $$b -D .data/postgres stop; fi; break; }; done
	rm -rf .data
