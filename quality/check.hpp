#pragma once
// A quality check: what to run and how to read it (check_spec, one `[quality.<name>]`
// table of swarm.toml, field for field), and what one run of it found (check_result).
// Plain C++ over harness::process_runner (no CAF).
//
// Threads: run_check blocks its caller until the command ends or its timeout passes
// (plus the runner's kill grace): call it from main, a detached actor or a worker
// thread, never on a CAF scheduler thread. The runner may be shared; calls may run at
// once. Nothing here keeps state.

#include "harness/process_runner.hpp"
#include "quality/parsers.hpp"

#include <swarm/error.hpp>
#include <swarm/json.hpp>
#include <swarm/options.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::quality {

// How a check's outcome is read besides its exit code. persisted in snapshots — never
// renumber.
enum class output_format : uint8_t {
  exit = 1,   // the exit code only
  junit = 2,  // JUnit XML files the command writes (check_spec::junit)
  ctest = 3,  // ctest's console output
  pytest = 4, // pytest's console output
  tap = 5,    // TAP on the output
  eslint = 6, // `eslint -f json` on stdout
  gcc = 7,    // gcc diagnostics on the output
  clang = 8,  // clang diagnostics on the output
  tsc = 9,    // TypeScript compiler diagnostics on the output
};
const char* to_string(output_format f) noexcept;
std::optional<output_format> parse_output_format(std::string_view name) noexcept;
// "exit, junit, ctest, pytest, tap, eslint, gcc, clang, tsc", for messages.
std::string output_format_names();

struct check_spec {
  std::string name; // the table's key: letters, digits, '-' and '_'
  // A shell command line, run with `sh -c` in the directory checked (the user's own
  // configured command; nothing is quoted or checked in it).
  std::string command;
  output_format format = output_format::exit;
  // format junit: the XML files the command writes, relative to the directory checked;
  // a directory stands for every *.xml file directly in it. A report this run did not
  // write (missing, or its time and bytes as before the run) makes the output
  // unreadable, so a stale report never counts.
  std::vector<std::string> junit;
  // 30 min: a full build and test run of a large project, yet a hung one ends.
  std::chrono::milliseconds timeout = std::chrono::minutes{30};
  // More errors (warnings) than the baseline's, beyond these, are a regression. 0: any
  // new one is.
  uint32_t allowed_new_errors = 0;
  uint32_t allowed_new_warnings = 0;
};

// A spec as the config gave it; errc::bad_request naming the check and the field
// ("quality check 'test': 'timeout' must be longer than 0, e.g. \"10m\"").
expected<void> validate(const check_spec& spec);
// Each spec, and no name twice.
expected<void> validate(const std::vector<check_spec>& specs);

// What one run of a check found. Invariants: passed == (exit_code == 0 && !timed_out &&
// output_error.empty()); failing_tests sorted, each name once.
struct check_result {
  std::string name;
  output_format format = output_format::exit;
  int exit_code = -1; // its exit status; -1 when a signal ended it
  int signal = 0;     // the signal that ended it (a timeout's SIGTERM/SIGKILL), else 0
  bool timed_out = false; // the spec's timeout passed and the runner stopped it
  bool passed = false;
  // Why the output could not be read as its format says (no JUnit file written, no
  // summary line, malformed XML, ...); else empty. Counts are then absent or partial.
  std::string output_error;
  std::optional<test_counts> tests; // when the format gives them
  std::vector<std::string> failing_tests;
  uint32_t errors = 0;
  uint32_t warnings = 0;
  // The first max_diagnostics; file names relative to the directory checked when under
  // it.
  std::vector<diagnostic> diagnostics;
  // The last check_tail_bytes of stdout then stderr, valid UTF-8.
  std::string output_tail;
  bool output_cut = false; // printed more than parse_cap_bytes: only its tail was read
  std::chrono::milliseconds duration{0};
};

// Kept of a check's output for the snapshot: enough for the last screens of a build.
constexpr size_t check_tail_bytes = 64 * 1024;
// Read and parsed of each output stream: far above a normal build's output; past it
// the parsers see only its tail (output_cut).
constexpr uint64_t parse_cap_bytes = 16 * 1024 * 1024;

// Runs `spec.command` with `sh -c` in `dir` (stdin /dev/null, the environment
// inherited) under its timeout, reads its output by its format, and reports. A check
// that fails, times out or prints garbage is a result, not an error; errors are only
// errc::bad_request (the spec does not validate), errc::not_found (`dir` is not a
// directory) and errc::io_error (sh could not be started).
expected<check_result> run_check(harness::process_runner& runner, const check_spec& spec,
                                 const std::string& dir);

// The spec of a check as the public options give it (<swarm/options.hpp>), validated;
// errors as validate's.
expected<check_spec> spec_of(const quality_check& c);
// Each of them, and no name twice.
expected<std::vector<check_spec>> specs_of(const std::vector<quality_check>& checks);

// JSON shapes: keys are the field names; format and severity by name, timeout and
// duration as "timeout_ms" and "duration_ms", `tests` an object {total, passed,
// failed, skipped} or absent.
void tag_invoke(const json_from&, json_value&, output_format);
expected<output_format> from_json(json_to<output_format>, const json_value&);
void tag_invoke(const json_from&, json_value&, severity);
expected<severity> from_json(json_to<severity>, const json_value&);
void tag_invoke(const json_from&, json_value&, const check_spec&);
expected<check_spec> from_json(json_to<check_spec>, const json_value&);
void tag_invoke(const json_from&, json_value&, const diagnostic&);
expected<diagnostic> from_json(json_to<diagnostic>, const json_value&);
void tag_invoke(const json_from&, json_value&, const test_counts&);
expected<test_counts> from_json(json_to<test_counts>, const json_value&);
void tag_invoke(const json_from&, json_value&, const check_result&);
expected<check_result> from_json(json_to<check_result>, const json_value&);

} // namespace swarm::quality
