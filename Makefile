# esimhil — see README.md. Every target works on a fresh machine with Go 1.26.
GO      ?= go
GINKGO  := $(GO) tool ginkgo
OUT     ?= out
SEED    ?= 1
PKGS    := ./...
# Modem dialects: the suite runs once under each (fixtures/personalities).
# A spec that restarts the modem does it the dialect's way (dialect
# Host.Restart: an nRF91 takes no AT+CFUN=1,1, its host sends AT+CFUN=0
# then AT+CFUN=1), so nordic-nrf9160 runs too: 41-47 s more (t212).
# generic first: its -race run is the longest, and two run at a time
# (specs-all), so it starts at once rather than last.
PERSONALITIES := generic $(filter-out generic,$(basename $(notdir $(wildcard fixtures/personalities/*.yaml))))
SPEC_RUNS := $(addprefix specs-under-,$(PERSONALITIES))
LAB_RUNS  := $(addprefix lab-over-,serial tcp rfc2217)

.PHONY: all deps build run test vet cross fmt unit specs specs-all specs-host lab-emulated lab bench explore clean fieldlog-scale $(SPEC_RUNS) $(LAB_RUNS)

all: build

# What the tests need beyond Go: Debian packages (ser2net, tshark, asn1c,
# openssl, gcc, chromium, modemmanager, dbus) and the pinned modules. ci/install.sh installs only what is
# missing (apt-get, as root or through sudo), so on a fresh machine `make
# run` and `make test` set everything up themselves; afterwards this is a
# few seconds of version checks.
deps:
	@bash ci/install.sh >/dev/null

build:
	$(GO) build -o bin/esimhil ./harness/cmd/esimhil

# The main job: the Ginkgo suite against the built-in emulated rig.
# Reports: $(OUT)/junit.xml, $(OUT)/report.json, per-spec artifacts in $(OUT)/specs/.
# esimhil report writes the suite's junit.xml from report.json (Ginkgo's
# own JUnit gives a report entry as JSON: an artifact path in quotes).
# Each spec and scenario gets a timeline page; $(OUT)/index.html links them
# all (written even when something failed; the target fails after it).
# check-out refuses an OUT that a recipe's rm -rf would turn into more
# than its reports: empty (/); with a character a shell reads as more
# than a name — whitespace (make splits it into two paths: OUT="out 2"
# removed ./out whole), a glob (OUT='fi*' removed fixtures/scenarios/) —;
# the repository or a directory holding it (OUT=. removed specs/),
# compared as resolved paths, as $(CURDIR) is (OUT=$$PWD through a
# symlink reads as another path); or a directory holding the
# repository's own files (OUT=fixtures removed fixtures/scenarios/)
# (outside testers sw71, sw76, sw77), or its .git, which git ls-files
# does not list; or one beginning with ~, which the shell expands to a
# home directory where the guard reads ./~ (make clean OUT=~ removed
# $HOME: v252); or one beginning with -, which rm and mkdir take for an
# option.
# rpath prints a path as GNU `realpath -m` does (absolute, each symlink
# resolved, what does not exist taken as written, `..` after it dropping
# the name before), in POSIX sh and readlink: macOS has no realpath -m.
rpath = rpath() { p=$$1; case $$p in /*) ;; *) p="$$(pwd -P)/$$p";; esac; o=/; n=0; \
	while [ -n "$$p" ]; do c=$${p%%/*}; case $$p in */*) p=$${p\#*/};; *) p=;; esac; \
	case $$c in ''|.) ;; ..) o=$${o%/*}; o=$${o:-/};; *) o=$${o%/}/$$c; \
	if [ -L "$$o" ] && [ $$n -lt 40 ]; then n=$$((n+1)); t=$$(readlink -- "$$o"); o=$${o%/*}; case $$t in /*) o=/;; esac; p=$$t/$$p; fi;; esac; \
	done; printf '%s\n' "$${o:-/}"; }
define check-out
@if [ -z "$(strip $(OUT))" ]; then echo "make $@: OUT is empty: name the reports' directory (OUT=out)" >&2; exit 2; fi
@case '$(OUT)' in *[!A-Za-z0-9._/+:@%=,~-]*) echo "make $@: OUT='$(OUT)' holds a character other than letters, digits and ._/+:@%=,~- (whitespace, which make splits into two paths, or a glob, which the shell expands): name a directory without it (OUT=out)" >&2; exit 2;; esac
@case '$(OUT)' in -*) echo "make $@: OUT=$(OUT) begins with -, which the recipe's rm -rf and mkdir -p read as an option: give it as ./$(OUT)" >&2; exit 2;; esac
@case '$(OUT)' in '~'*) echo "make $@: OUT=$(OUT) begins with ~, which the recipe's shell expands to a home directory (make clean would remove it whole) where this check reads ./~: give the path itself (OUT=$$HOME/out)" >&2; exit 2;; esac
@$(rpath); o="$$(rpath '$(OUT)')"; r="$$(rpath '$(CURDIR)')"; case "$$r/" in "$${o%/}/"*) \
	echo "make $@: OUT=$(OUT) is the repository or holds it, and the last run's reports are removed from it first: name a directory of its own (OUT=out)" >&2; exit 2;; esac; \
	case "$${o%/}/" in "$$r/.git/"*) echo "make $@: OUT=$(OUT) is the repository's .git or in it (git ls-files lists none of it, and make clean would remove it whole): name a directory of its own (OUT=out)" >&2; exit 2;; esac; \
	if [ -n "$$(git -C '$(CURDIR)' ls-files -- "$$o" 2>/dev/null | head -n 1)" ]; then \
	echo "make $@: OUT=$(OUT) holds the repository's own files (git ls-files), and the last run's reports are removed from it first: name a directory of its own (OUT=out)" >&2; exit 2; fi
endef

run: deps build
	@# The last run's reports and artifacts go first: a run killed before
	@# Ginkgo writes report.json (or before esimhil report writes junit.xml
	@# and index.html) must leave none that passed (make lab does the same).
	@# $(OUT)/lab, make lab's, is not this run's. An empty OUT would be /.
	$(check-out)
	rm -rf $(OUT)/report.json $(OUT)/junit.xml $(OUT)/index.html $(OUT)/specs $(OUT)/scenarios
	@mkdir -p $(OUT)
	rc=0; \
	ESIMHIL_ARTIFACTS=$(abspath $(OUT))/specs $(GINKGO) --label-filter='env:emulated' \
		--seed=$(SEED) --json-report=report.json \
		--output-dir=$(OUT) --procs=2 ./specs/... || rc=1; \
	./bin/esimhil run --seed $(SEED) --out $(OUT)/scenarios --junit $(OUT)/scenarios/junit.xml \
		fixtures/scenarios/*.yaml || rc=1; \
	./bin/esimhil report --out $(OUT) || rc=1; \
	exit $$rc

# Every test: vet, unit tests of every package, then the suite.
# The exploration runs without -race: it drives hundreds of whole rigs, and
# the race detector would make it several times slower (its packages are
# race-tested through their own unit tests). So does the log readers'
# TestScale: one goroutine's work on 360,000 lines, four minutes under -race;
# it keeps one core busy for 10-12 s, so it runs beside the host and lab
# passes, which wait on the wall clock (each output printed whole, -O).
test: deps vet
	$(GO) test -race -count=1 -timeout 10m $$($(GO) list $(PKGS) | grep -v -e /harness/explore -e /specs)
	$(GO) test -count=1 -timeout 10m ./harness/explore/
	$(MAKE) specs-all
	$(MAKE) --no-print-directory -j5 -O specs-host $(LAB_RUNS) fieldlog-scale

fieldlog-scale:
	$(GO) test -count=1 -timeout 10m -run '^TestScale$$' ./harness/fieldlog/

# The Ginkgo suite once per modem personality ($$ESIMHIL_PERSONALITY
# overrides every scenario's device.personality): with -race under generic,
# without under the others (same code paths, a third of the time).
# Each run is one process that keeps one core busy (its specs are serial,
# on the emulated clock), so specs-all runs two at a time, each one's
# output held and printed whole when it ends (-O); the first to fail
# stops the rest from starting (t240). Specs labelled once (framework.Once:
# the CLI stopped by signals, 4 s a run) run under generic alone: no
# dialect changes what they check.
specs-all:
	@$(MAKE) --no-print-directory -j2 -O $(SPEC_RUNS)

$(SPEC_RUNS): specs-under-%:
	@race=; once=' && !once'; [ "$*" = generic ] && race=-race once=; \
	echo "== specs under personality $*"; \
	ESIMHIL_PERSONALITY=$* $(GO) test $$race -count=1 -timeout 10m ./specs/ -ginkgo.label-filter="!env:lab && !env:host$$once"

# The env:host spec: Debian's ModemManager, a real host stack, probes,
# enables and follows the emulated modem on the wall clock
# (specs/modemmanager_test.go). Once, not per personality: ModemManager
# picks its plugin by the modem's own strings, and the spec's is generic.
# Its title is listed; where ModemManager or a mount namespace (root,
# CAP_SYS_ADMIN) is missing it is skipped, its reason printed.
specs-host:
	@echo "== env:host specs: ModemManager drives the emulated modem"; \
	log=$$(mktemp); \
	if ! $(GO) test -race -v -count=1 -timeout 5m ./specs/ -ginkgo.label-filter='env:host' \
		-ginkgo.v -ginkgo.no-color >$$log 2>&1; then \
		cat $$log; rm -f $$log; exit 1; \
	fi; \
	grep -E '(\[env:host\]$$|^  \[SKIPPED\] |^Ran |^ok )' $$log | grep -v ' \[It\] '; rm -f $$log

# The env:lab specs against the emulated device behind each lab transport:
# its pty opened as a serial device, then exported by Debian's ser2net as
# raw TCP and as telnet with RFC 2217. The serial pass has no port control
# and the RFC 2217 pass plays a lab with no callbox
# (ESIMHIL_LAB_HAS=roaming,port-control): one spec is skipped in each, with
# its reason in the output. Each run listens for a SIMtrace2 on a free
# loopback port; the specs replay a recorded GSMTAP stream to it.
# Each env:lab spec's title (every one carries the env:lab label; the
# title ends with its labels), a skip's reason under its own spec's
# title (Ginkgo prints the title again as "… [It] …" before the reason).
# The three passes wait on the wall clock (the device runs at 60x real
# time; ser2net, a port dropped and back), not on the CPU: a pass of
# 10-18 s uses about a second of it. So they run at once, each one's
# output printed whole when it ends (-O), and make test runs specs-host
# beside them (t240).
lab-emulated:
	@$(MAKE) --no-print-directory -j3 -O $(LAB_RUNS)

$(LAB_RUNS): lab-over-%:
	@has=; [ "$*" = rfc2217 ] && has="ESIMHIL_LAB_HAS=roaming,port-control,simtrace"; \
	echo "== env:lab specs against the emulator over $*"; \
	log=$$(mktemp); \
	if ! env ESIMHIL_LAB_TARGET=$* ESIMHIL_LAB_SIMTRACE=udp://127.0.0.1:0 $$has $(GO) test -v -count=1 -timeout 5m ./specs/ \
		-ginkgo.label-filter='env:lab' -ginkgo.v -ginkgo.no-color >$$log 2>&1; then \
		cat $$log; rm -f $$log; exit 1; \
	fi; \
	grep -E '(\[env:lab[^]]*\]$$|^  \[SKIPPED\] this lab|^Ran |^ok )' $$log | grep -v ' \[It\] '; rm -f $$log

# The env:lab specs against a real modem: make lab MODEM=/dev/ttyUSB2
# [PERSONALITY=quectel-eg25] [LISTEN=0.0.0.0:8080] [HAS=roaming,simtrace]
# [SCENARIO=F] [SIMTRACE=udp://0.0.0.0:4729|off] (where a SIMtrace2's
# simtrace2-sniff sends GSMTAP; the default).
# Reports in $(OUT)/lab/: junit.xml (transcripts attached), per-spec at.log
# and traffic.pcapng under specs/.
MODEM       ?=
PERSONALITY ?= generic
LISTEN      ?= 0.0.0.0:8080
lab:
	@if [ -z "$(MODEM)" ]; then \
		echo "make lab: no modem configured: MODEM=/dev/ttyUSB2 (or /dev/serial/by-id/..., tcp://host:port, rfc2217://host:port); see README.md, Lab runs" >&2; \
		exit 2; \
	fi
	$(check-out)
	@mkdir -p $(OUT)/lab
	@# One run owns $(OUT)/lab (flock on .lock, released when the run ends,
	@# however it ends), and starts by removing the last run's reports: a
	@# run killed before Ginkgo writes its own must leave none that passed.
	@# The lock stays with this shell: what the run starts (a PORT_DROP
	@# that restarts ser2net) must not inherit it and hold it after.
	@# util-linux's flock takes it, or where there is none (macOS)
	@# ci/fdlock, the same flock(2) on fd 9.
	@exec 9>$(OUT)/lab/.lock; \
	held=; if command -v flock >/dev/null 2>&1; then flock -n 9 || held=1; else held=$$($(GO) run ./ci/fdlock 9) || exit 2; fi; \
	if [ -n "$$held" ]; then \
		echo "make lab: another make lab is writing $(OUT)/lab (it holds $(OUT)/lab/.lock): wait for it, or give this run its own OUT=..." >&2; \
		exit 2; \
	fi; \
	rm -rf $(OUT)/lab/specs $(OUT)/lab/junit.xml $(OUT)/lab/report.json; \
	set -x; \
	ESIMHIL_LAB_MODEM=$(MODEM) ESIMHIL_LAB_PERSONALITY=$(if $(wildcard $(PERSONALITY)),$(abspath $(PERSONALITY)),$(PERSONALITY)) ESIMHIL_LAB_LISTEN=$(LISTEN) \
		$(if $(HAS),ESIMHIL_LAB_HAS=$(HAS)) $(if $(SCENARIO),ESIMHIL_LAB_SCENARIO=$(abspath $(SCENARIO))) \
		$(if $(SIMTRACE),ESIMHIL_LAB_SIMTRACE=$(SIMTRACE)) $(if $(PORT_DROP),ESIMHIL_LAB_PORT_DROP='$(PORT_DROP)') \
		$(if $(BAUD),ESIMHIL_LAB_BAUD=$(BAUD)) \
		ESIMHIL_ARTIFACTS=$(abspath $(OUT))/lab/specs $(GINKGO) --label-filter='env:lab' \
		--json-report=report.json --output-dir=$(OUT)/lab ./specs/ 9>&-; rc=$$?; \
	$(GO) run ./harness/cmd/esimhil report --out $(OUT)/lab 9>&- || rc=1; \
	exit $$rc

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (gofmt -l . && exit 1)
	$(GO) vet $(PKGS)

# The cross-compile guard: lab engineers run esimhil on macOS and Windows
# (README, Platforms), so a Linux-only call in a file without a build tag
# must fail somewhere before their machines. vet type-checks every package
# and its tests as the compiler would: for darwin, for windows (tests
# compile there since t263; nothing here runs them on Windows), and for
# FreeBSD's BSD files macOS does not use.
# Seconds on a warm build cache; on an empty one, as a fresh CI machine
# has, minutes: the standard library and every module compiled for more
# platforms (darwin and windows: 128 s and 67 s on 2 cores, 2026-12-07,
# t253). That is why make test does not run it (CI's whole run is ~11
# min of a 15 min budget): run it before a change that touches files
# with build tags, system calls or the serial code.
cross:
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)
	GOOS=windows GOARCH=amd64 $(GO) vet $(PKGS)
	GOOS=freebsd GOARCH=amd64 $(GO) vet $(PKGS)

specs:
	$(GINKGO) --label-filter='env:emulated' --procs=2 ./specs/...

# Seeded exploration beyond the 2,000 cases of make test: random worlds,
# itineraries, lists and fault plans checked against the method's invariants.
# A failing case is shrunk and written to out/explore/explore-<seed>/; past
# 20, all failing cases are listed in out/explore/failing-cases-<seed>-<N>.txt.
SEEDS ?= 5000
# go test pipes the test's output: on a terminal the live line is asked
# for (ESIMHIL_PROGRESS=live) and given the terminal's width (COLUMNS),
# which the test cannot read from its pipe; elsewhere plain lines.
explore:
	if [ -t 1 ]; then export ESIMHIL_PROGRESS=$${ESIMHIL_PROGRESS:-live} COLUMNS=$$(tput cols 2>/dev/null); fi; \
	ESIMHIL_EXPLORE_RANDOM=1 $(if $(SWEEP),ESIMHIL_EXPLORE_SWEEP=$(SWEEP)) $(GO) test -count=1 -timeout 0 -run '^TestExplore$$' ./harness/explore/ -rapid.checks=$(SEEDS) -v

# Benchmarks with their floors measured in the same run (alternating
# batches), the scenarios, the exploration rate and two storms; written
# in benchstat format to $(OUT)/bench.txt (docs/performance.md). One
# package at a time (-p 1): go test otherwise runs packages' benchmarks
# side by side, and each would measure the other's load. Each benchmark
# runs BENCH_COUNT times, BENCH_TIME each (benchstat gives a confidence
# interval from 6 runs, and a comparison of two files a p-value below
# 0.05 only from 4 or more a side); the storms once (a minute each).
# Exploration runs 10 batches of 100 cases (about 6 s): go test's
# one-second default would stop after a batch or two, and this VM's
# speed drifts within minutes, so the rate would be a moment's noise.
# pipefail: a benchmark that fails (a storm losing notifications, a
# scenario failing) fails make bench, not only tee — after the others
# ran.
BENCH_COUNT ?= 6
BENCH_TIME  ?= 0.5s
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -o pipefail -c
bench:
	@mkdir -p $(OUT)
	@echo "# make bench, $$(date -u +%FT%TZ), $$(nproc) cores, load $$(cut -d' ' -f1-3 /proc/loadavg)" > $(OUT)/bench.txt
	rc=0; \
	$(GO) test -p 1 -run='^$$' -bench=. -benchtime=$(BENCH_TIME) -benchmem -count=$(BENCH_COUNT) -timeout 30m $$($(GO) list $(PKGS) | grep -v -e '/harness/explore$$' -e '/harness/fleet$$') | tee -a $(OUT)/bench.txt || rc=1; \
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 -timeout 20m ./harness/fleet/ | tee -a $(OUT)/bench.txt || rc=1; \
	$(GO) test -run='^$$' -bench=. -benchtime=10x -benchmem -count=1 -timeout 20m ./harness/explore/ | tee -a $(OUT)/bench.txt || rc=1; \
	if [ $$rc != 0 ]; then echo "make bench: a benchmark failed (FAIL in $(OUT)/bench.txt)" >&2; fi; exit $$rc

clean:
	$(check-out)
	rm -rf bin $(OUT)
