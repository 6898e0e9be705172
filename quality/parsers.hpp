#pragma once
// Reading what a quality check printed: one pure function per format, text in, counts,
// failing test names and diagnostics out. Plain C++, no state: any thread.
//
// Every parser is tolerant of noise around the lines it reads (build tool chatter,
// progress lines, ANSI colour codes) and reports a clear error (errc::bad_request,
// naming the source and, where it has one, line:col) only when the text lacks what the
// format promises — a summary line, a plan, a JSON array, well-formed XML: usually a
// sign that the check's `format` does not match its command.
//
// Invariants of a parsed_output: failing_tests is sorted and holds each name once;
// errors and warnings count every diagnostic found even when `diagnostics` keeps only
// the first max_diagnostics of them.

#include <swarm/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::quality {

// persisted in snapshots — never renumber.
enum class severity : uint8_t { warning = 1, error = 2 };
const char* to_string(severity s) noexcept;
std::optional<severity> parse_severity(std::string_view name) noexcept;

// One compiler, type checker or linter message. Notes are not diagnostics.
struct diagnostic {
  std::string file;    // as the tool printed it; empty for a message about no file
  uint32_t line = 0;   // from 1; 0 when the tool gave none
  uint32_t column = 0; // from 1; 0 when the tool gave none
  severity level = severity::error; // "fatal error" is an error
  std::string message;
  std::string rule; // "-Wunused-variable", "TS2322", "no-unused-vars"; may be empty
};

// "src/a.cpp:3:7: error: msg [rule]", the location parts left out when unknown.
std::string to_string(const diagnostic& d);

struct test_counts {
  uint32_t total = 0;
  uint32_t passed = 0;
  uint32_t failed = 0;  // failures and errors
  uint32_t skipped = 0; // skipped, expected failures (xfail, TAP TODO), not run
};

// Enough to show what went wrong; the counts stay exact past it.
constexpr size_t max_diagnostics = 100;

struct parsed_output {
  std::optional<test_counts> tests; // set by the test formats
  std::vector<std::string> failing_tests;
  uint32_t errors = 0;
  uint32_t warnings = 0;
  std::vector<diagnostic> diagnostics;
};

// ---- test runners

// A JUnit XML report: <testsuites> or a <testsuite> root, every <testcase> under it
// (nested suites too). A case with a <failure> or <error> child failed, one with
// <skipped> was skipped. Its name is "classname.name", or "name" when the classname is
// empty or equals the name (ctest writes both the same). Counts come from the cases,
// not from the suites' attributes. `source` names the file in errors.
// Written by `ctest --output-junit`, `pytest --junitxml` and most other runners.
expected<parsed_output> parse_junit(std::string_view xml, const std::string& source);

// ctest's console output: "NN% tests passed, F tests failed out of T", the names under
// "The following tests FAILED:" ("\t  12 - name (Failed)"), skipped ones under "The
// following tests did not run:". "No tests were found!!!" is zero tests.
expected<parsed_output> parse_ctest(std::string_view text);

// pytest's console output: the last summary line ("==== 2 failed, 5 passed, 1 skipped
// in 0.12s ====", also -q's bare form) for the counts — errors count as failed, xfailed
// as skipped, xpassed as passed — and "FAILED <node id> - msg" / "ERROR <node id>" lines
// of the short summary (or -v's "<node id> FAILED") for the names.
expected<parsed_output> parse_pytest(std::string_view text);

// TAP: the plan "1..N", "ok N - desc" and "not ok N - desc" lines at the start of a line
// (indented subtests and YAML blocks are skipped), "# SKIP" (skipped) and "# TODO" (a
// failing TODO is skipped, not failed) directives, "Bail out!". A test is named by its
// description, else "test N". Tests planned but never run count as failed, under the
// name "Bail out! <reason>" or "planned N tests, ran M".
expected<parsed_output> parse_tap(std::string_view text);

// ---- diagnostics

// `eslint -f json`: an array of {filePath, messages: [{ruleId, severity 1 (warning) |
// 2 (error), message, line, column}]}. Text before the line that starts the array (an
// npm script's banner) is skipped, and so is anything after it.
expected<parsed_output> parse_eslint(std::string_view text);

// gcc: "file:line:col: error|warning|fatal error: msg", or without ":col"; a trailing
// "[-Wflag]" becomes the rule. Never fails: text without diagnostics is zero of each.
parsed_output parse_gcc(std::string_view text);

// clang: the gcc lines; its "N warnings and M errors generated." summaries only raise
// the counts when they exceed the lines found (lines lost from a cut output), so nothing
// counts twice.
parsed_output parse_clang(std::string_view text);

// tsc: "file(line,col): error TS2322: msg", the --pretty "file:line:col - error TS2322:
// msg", and "error TS5023: msg" about no file; "Found N errors" raises the error count
// as clang's summary does.
parsed_output parse_tsc(std::string_view text);

} // namespace swarm::quality
