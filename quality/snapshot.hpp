#pragma once
// Quality over time: a snapshot (every configured check run at one commit), compare()
// of a snapshot with the baseline's, and the report of what got worse that goes into an
// agent's retry prompt. Plain C++ (no CAF, no SQLite); snapshots and regressions have
// one JSON shape each, for the journal.
//
// Threads: take_snapshot blocks as run_check does (never on a CAF scheduler thread);
// compare and report are pure: any thread.

#include "harness/process_runner.hpp"
#include "quality/check.hpp"

#include <swarm/error.hpp>
#include <swarm/json.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::quality {

struct snapshot {
  std::string commit;               // the commit whose work tree was checked
  timestamp taken{};                // when its first check started
  std::vector<check_result> checks; // in the order of the specs

  // The result of check `name`; nullptr when the snapshot has none.
  const check_result* find(std::string_view name) const;
};

// Runs each spec in order in `dir`, the work tree at `commit`. Errors as run_check's
// (the first one ends the snapshot); validate(specs) first, so a bad config runs
// nothing.
expected<snapshot> take_snapshot(harness::process_runner& runner,
                                 const std::vector<check_spec>& specs,
                                 const std::string& dir, std::string commit);

// persisted in the journal — never renumber.
enum class regression_kind : uint8_t {
  build_broken = 1,     // the check passed in the baseline and fails now (exit code,
                        // signal, timeout), or its output became unreadable
  new_failing_test = 2, // tests failing now that were not failing in the baseline
  more_errors = 3,      // errors beyond the baseline's plus allowed_new_errors
  more_warnings = 4,    // warnings beyond the baseline's plus allowed_new_warnings
};
const char* to_string(regression_kind k) noexcept;
std::optional<regression_kind> parse_regression_kind(std::string_view name) noexcept;

struct regression {
  std::string check;
  regression_kind kind = regression_kind::build_broken;
  // more_errors / more_warnings: the baseline's count, the count now, the allowance.
  uint32_t before = 0, after = 0, allowed = 0;
  // new_failing_test: the new names, sorted. build_broken of a check without a
  // baseline: every failing test.
  std::vector<std::string> tests;
  // build_broken: how it fails now and against what: "exit code 2; it passed in the
  // baseline", "timed out after 30 min; ...", "killed by signal 9; ...", "exit code 0;
  // its output could not be read: ...; the baseline's was read", "exit code 1 (no
  // baseline)".
  std::string detail;
};

// What got worse from `baseline` to `now`, check by check in `now`'s order, kinds in
// enum order. Thresholds come from the spec of the same name (none: 0). Improvements
// (fixed tests, fewer errors, a check that passes again) are not regressions. A check
// the baseline lacks compares against nothing known: only its own failure counts (one
// build_broken naming its failing tests). A check of the baseline that `now` lacks is
// not compared. When the baseline's output of a check was unreadable, its tests and
// counts are unknown: only a change from passed to failed would count, and it had not
// passed.
std::vector<regression> compare(const snapshot& baseline, const snapshot& now,
                                const std::vector<check_spec>& specs);

// How much of each list the report shows; the counts are always given in full.
struct report_limits {
  size_t names = 10;       // test names per regression
  size_t diagnostics = 10; // diagnostics per regression
  size_t tail_lines = 40;  // lines of output per check
  size_t line_bytes = 300; // a longer output line is cut
};

// The plain-text report of `regressions` for a retry prompt: per check that got worse,
// what got worse (numbers and names) and the end of its output. Empty when there are no
// regressions. Example in tests/unit/quality_snapshot_test.cpp.
std::string report(const snapshot& baseline, const snapshot& now,
                   const std::vector<regression>& regressions, report_limits limits = {});

// A run's quality gates: the checks, and the baseline each task's snapshot is compared
// with. Immutable once made: shared by every agent's workspace actor.
struct gate_set {
  std::vector<check_spec> specs;
  snapshot baseline;
};

// The gates a run's isolated agents judge with, shared by the engine and every agent's
// workspace actor. The engine replaces them when a new baseline is recorded while the
// agents run (`swarm quality baseline`): a task judged after that compares with the new
// one; a task being judged keeps the set it began with. Thread-safe.
class gate_board {
public:
  explicit gate_board(std::shared_ptr<const gate_set> gates) : gates_(std::move(gates)) {}

  std::shared_ptr<const gate_set> current() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return gates_;
  }
  void replace(std::shared_ptr<const gate_set> gates) {
    std::lock_guard<std::mutex> guard{mtx_};
    gates_ = std::move(gates);
  }

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const gate_set> gates_;
};

// JSON shapes: keys are the field names; "taken_us"; kinds by name.
void tag_invoke(const json_from&, json_value&, const snapshot&);
expected<snapshot> from_json(json_to<snapshot>, const json_value&);
void tag_invoke(const json_from&, json_value&, regression_kind);
expected<regression_kind> from_json(json_to<regression_kind>, const json_value&);
void tag_invoke(const json_from&, json_value&, const regression&);
expected<regression> from_json(json_to<regression>, const json_value&);

} // namespace swarm::quality
