#pragma once
// The quality gates' journal records read back: quality.baseline and quality.snapshot
// events as `swarm quality` shows them (op quality, GET /api/quality, the dashboard's
// Quality view), and the per-check figures GET /metrics gives. Plain C++: pure, any
// thread. A record whose body does not parse is skipped, never an error: the journal
// holds what older versions wrote too (a baseline as quality.snapshot with baseline
// true).

#include <swarm/json.hpp>
#include <swarm/types.hpp>

#include <vector>

namespace swarm::quality {

// The op's reply, from the newest baselines and task snapshots (each oldest first):
//   "baseline"     the newest baseline: its point plus "snapshot" (everything it
//                  found, quality::snapshot's shape); null when none was recorded;
//   "latest"       the newest task snapshot's point; null when none;
//   "trend"        every record's point in journal order, baselines among them;
//   "regressions"  per task snapshot that got worse: task, attempt, agent, commit and
//                  "worse" ([quality::regression]).
// A point: seq, ts_us, baseline (bool), task, attempt, agent, commit, regressions,
// and for baselines integration, by, adopted; "checks" [{name, passed, errors,
// warnings, failing_tests (a count)}].
json_value summary(const std::vector<journal_entry>& baselines,
                   const std::vector<journal_entry>& snapshots);

// One baseline record (quality.baseline, or an older journal's quality.snapshot with
// baseline true) as "baseline" above shows it; null when its body does not parse.
json_value baseline_view(const journal_entry& baseline);

// Per check, the newest baseline's figures ("baseline") then the newest task
// snapshot's ("latest"); either may be null (none recorded).
std::vector<quality_figure> figures(const journal_entry* baseline,
                                    const journal_entry* latest);

} // namespace swarm::quality
