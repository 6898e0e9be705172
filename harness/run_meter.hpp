#pragma once
// What a run's models used, and its budget (options::budget_usd): the agents of the run
// add each finished model run's usage; once the spend reaches the limit, claims stop
// (the agents claim nothing more; running attempts finish). The spend counts what the
// runs this one resumes spent (given at begin, read from the database: README "Tokens
// and cost").
//
// Owned by the engine, one for all its agents whatever their model; begin() at the
// start of each run, add() from the agents' scheduler threads, reads from any thread:
// every member is guarded by one mutex. Plain C++.

#include <swarm/types.hpp>

#include <mutex>
#include <string>

namespace swarm::harness {

class run_meter {
public:
  // limit_usd <= 0: no limit (the usage is still summed).
  explicit run_meter(double limit_usd) : limit_(limit_usd > 0 ? limit_usd : 0) {}

  // A run starts: `spent_before` dollars were spent by the runs it resumes; its own usage
  // starts from nothing. True when that alone reaches the limit.
  bool begin(const std::string& run, double spent_before);

  // One model run ended having used `u`. True exactly once per run: for the run whose
  // cost made the spend reach the limit (begin's own answer counts as that once).
  bool add(const model_usage& u);

  bool limited() const { return limit_ > 0; }
  // Set and reached: no new claims.
  bool reached() const;
  // The limit, the spend so far (the resumed runs' included) and whether it is reached.
  run_budget budget() const;
  // This run's usage (since begin).
  model_usage usage() const;
  // The run begun last; empty before the first.
  std::string run() const;

private:
  bool reached_locked() const { return limit_ > 0 && spent_ >= limit_; }

  mutable std::mutex mutex_;
  const double limit_;
  std::string run_;
  double spent_ = 0;
  bool said_ = false; // this run's crossing was answered true once
  model_usage usage_;
};

} // namespace swarm::harness
