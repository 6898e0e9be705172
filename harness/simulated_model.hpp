#pragma once
// The in-process simulated model: decides how long a task "takes" and whether the
// attempt fails, from a seeded generator. Used by simulated agents and benchmarks;
// the harness issue adds real model subprocesses beside it. Plain C++.

#include <cstdint>
#include <random>
#include <string>

namespace swarm::harness {

struct simulated_model_options {
  uint32_t min_work_ms = 20;   // shortest simulated task
  uint32_t max_work_ms = 120;  // longest simulated task
  double fail_rate = 0.0;      // probability that an attempt fails
};

struct simulated_outcome {
  uint32_t work_ms = 0;
  bool success = true;
  std::string summary; // what the "model" reports
};

class simulated_model {
public:
  simulated_model(simulated_model_options opts, uint64_t seed)
    : opts_(opts), rng_(seed) {}

  simulated_outcome run(const std::string& task_title) {
    simulated_outcome out;
    uint32_t lo = opts_.min_work_ms, hi = std::max(opts_.min_work_ms, opts_.max_work_ms);
    out.work_ms = std::uniform_int_distribution<uint32_t>{lo, hi}(rng_);
    out.success = std::uniform_real_distribution<double>{0.0, 1.0}(rng_) >= opts_.fail_rate;
    out.summary = out.success ? "simulated: done '" + task_title + "' in " +
                                  std::to_string(out.work_ms) + " ms"
                              : "simulated: failed '" + task_title + "' (injected failure)";
    return out;
  }

private:
  simulated_model_options opts_;
  std::mt19937_64 rng_;
};

} // namespace swarm::harness
