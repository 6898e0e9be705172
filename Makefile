# The two entry points a newcomer needs. Everything else is plain CMake.
#   make demo   install dependencies, Release build, run the example plan
#   make test   install dependencies, build, run the test suite
# Extras: make test-asan (AddressSanitizer + UBSan build of the suite), make test-tsan
#   (ThreadSanitizer; suppressions for third-party code only, in tests/tsan.supp), make bench,
#   make fuzz (every libFuzzer target for FUZZ_SECONDS each; clang).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
DEMO_DIR ?= $(CURDIR)/$(BUILD)/demo
FUZZ_SECONDS ?= 60

.PHONY: demo test test-asan test-tsan fuzz bench deps clean

deps:
	@scripts/setup-deps

demo: deps
	cmake -S . -B $(BUILD)-release -DCMAKE_BUILD_TYPE=Release -DSWARM_BUILD_TESTS=OFF -DSWARM_BUILD_BENCH=OFF
	cmake --build $(BUILD)-release -j$(JOBS) --target swarm
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	cd $(DEMO_DIR) && $(CURDIR)/$(BUILD)-release/swarm run $(CURDIR)/plans/examples/demo.md --agents 4
	cd $(DEMO_DIR) && $(CURDIR)/$(BUILD)-release/swarm status
	cd $(DEMO_DIR) && $(CURDIR)/$(BUILD)-release/swarm memory stats
	@echo
	@echo "Open the dashboard: serve this demo's swarm with agents waiting for work,"
	@echo "  cd $(DEMO_DIR) && $(CURDIR)/$(BUILD)-release/swarm serve --agents 4"
	@echo "then open the dashboard URL it prints; from another terminal in $(DEMO_DIR),"
	@echo "  $(CURDIR)/$(BUILD)-release/swarm load PLAN   gives the agents more work (Ctrl-C stops)."

test: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DSWARM_SANITIZE=ON -DSWARM_BUILD_BENCH=OFF
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS)

test-tsan: deps
	cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWARM_TSAN=ON -DSWARM_BUILD_BENCH=OFF
	cmake --build $(BUILD)-tsan -j$(JOBS)
	cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j$(JOBS)

fuzz:
	@scripts/setup-deps fuzz
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSWARM_FUZZ=ON -DSWARM_BUILD_TESTS=OFF -DSWARM_BUILD_BENCH=OFF
	cmake --build $(BUILD)-fuzz -j$(JOBS) --target swarm_fuzzers
	scripts/fuzz $(BUILD)-fuzz $(FUZZ_SECONDS)

bench: deps
	cmake -S . -B $(BUILD)-release -DCMAKE_BUILD_TYPE=Release -DSWARM_BUILD_TESTS=OFF
	cmake --build $(BUILD)-release -j$(JOBS)
	$(BUILD)-release/bench/swarm_claim_bench
	$(BUILD)-release/bench/swarm_harness_bench
	$(BUILD)-release/bench/swarm_schedule_bench
	$(BUILD)-release/bench/swarm_mail_bench
	$(BUILD)-release/bench/swarm_reservation_bench
	$(BUILD)-release/bench/swarm_memory_bench
	$(BUILD)-release/bench/swarm_http_bench
	$(BUILD)-release/bench/swarm_stream_bench
	$(BUILD)-release/bench/swarm_mcp_bench
	node bench/mcp_tokens.mjs --swarm $(BUILD)-release/swarm
	node bench/dashboard_load.mjs --swarm $(BUILD)-release/swarm

clean:
	rm -rf $(BUILD) $(BUILD)-release $(BUILD)-asan $(BUILD)-tsan $(BUILD)-fuzz
