#include "harness/run_meter.hpp"

namespace swarm::harness {

bool run_meter::begin(const std::string& run, double spent_before) {
  std::lock_guard<std::mutex> lock(mutex_);
  run_ = run;
  spent_ = spent_before > 0 ? spent_before : 0;
  usage_ = {};
  said_ = reached_locked();
  return said_;
}

bool run_meter::add(const model_usage& u) {
  std::lock_guard<std::mutex> lock(mutex_);
  add_usage(usage_, u);
  if (u.cost_usd) spent_ += *u.cost_usd;
  if (said_ || !reached_locked()) return false;
  said_ = true;
  return true;
}

bool run_meter::reached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reached_locked();
}

run_budget run_meter::budget() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return run_budget{limit_, spent_, reached_locked()};
}

model_usage run_meter::usage() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return usage_;
}

std::string run_meter::run() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return run_;
}

} // namespace swarm::harness
