# esimhil — see README.md. Every target works on a fresh machine with Go 1.26.
GO      ?= go
GINKGO  := $(GO) tool ginkgo
OUT     ?= out
SEED    ?= 1
PKGS    := ./...
# Modem dialects: the suite runs once under each (fixtures/personalities).
PERSONALITIES := $(basename $(notdir $(wildcard fixtures/personalities/*.yaml)))

.PHONY: all build run test vet fmt unit specs specs-all bench explore clean

all: build

build:
	$(GO) build -o bin/esimhil ./harness/cmd/esimhil

# The main job: the Ginkgo suite against the built-in emulated rig.
# Reports: $(OUT)/junit.xml, $(OUT)/report.json, per-spec artifacts in $(OUT)/specs/.
# Each spec and scenario gets a timeline page; $(OUT)/index.html links them
# all (written even when something failed; the target fails after it).
run: build
	@mkdir -p $(OUT)
	@rc=0; \
	ESIMHIL_ARTIFACTS=$(abspath $(OUT))/specs $(GINKGO) --label-filter='env:emulated' \
		--seed=$(SEED) --junit-report=junit.xml --json-report=report.json \
		--output-dir=$(OUT) --procs=2 ./specs/... || rc=1; \
	./bin/esimhil run --seed $(SEED) --out $(OUT)/scenarios --junit $(OUT)/scenarios/junit.xml \
		fixtures/scenarios/*.yaml || rc=1; \
	./bin/esimhil report --out $(OUT) || rc=1; \
	exit $$rc

# Every test: vet, unit tests of every package, then the suite.
# The exploration runs without -race: it drives hundreds of whole rigs, and
# the race detector would make it several times slower (its packages are
# race-tested through their own unit tests).
test: vet
	$(GO) test -race -count=1 -timeout 10m $$($(GO) list $(PKGS) | grep -v -e /harness/explore -e /specs)
	$(GO) test -count=1 -timeout 10m ./harness/explore/
	$(MAKE) specs-all

# The Ginkgo suite once per modem personality ($$ESIMHIL_PERSONALITY
# overrides every scenario's device.personality): with -race under generic,
# without under the others (same code paths, a third of the time).
specs-all:
	@set -e; for p in $(PERSONALITIES); do \
		race=; [ "$$p" = generic ] && race=-race; \
		echo "== specs under personality $$p"; \
		ESIMHIL_PERSONALITY=$$p $(GO) test $$race -count=1 -timeout 10m ./specs/; \
	done

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (gofmt -l . && exit 1)
	$(GO) vet $(PKGS)

specs:
	$(GINKGO) --label-filter='env:emulated' --procs=2 ./specs/...

# Seeded exploration beyond the 500 cases of make test: random worlds,
# itineraries, lists and fault plans checked against the method's invariants.
# A failing case is shrunk and written to out/explore/explore-<seed>.yaml.
SEEDS ?= 5000
explore:
	ESIMHIL_EXPLORE_RANDOM=1 $(GO) test -count=1 -timeout 0 -run '^TestExplore$$' ./harness/explore/ -rapid.checks=$(SEEDS) -v

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

clean:
	rm -rf bin $(OUT)
