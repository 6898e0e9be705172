// The built-in mock model: swarm-mock-agent (harness/mock_agent/main.cpp), run like any
// model CLI. Its stdout ends with one result line:
//   {"type":"result","status":"success"|"error","task":"...","summary":"...",
//    "error":"..." (failures), "files_changed":[...],"duration_ms":N}
// exit 0 on success, 1 on a (simulated) failure, 2 on bad usage or unreadable input.
// Both result lines carry a simulated "usage" in Claude Code's shape (no cost).
#include "harness/model_adapter.hpp"
#include "harness/usage_readers.hpp"

#include <algorithm>
#include <sstream>

namespace swarm::harness::detail {

namespace {

class mock_adapter final : public model_adapter {
public:
  explicit mock_adapter(const adapter_options& opts)
    : binary_(opts.binary.empty() ? find_mock_agent() : opts.binary),
      min_work_ms_(opts.min_work_ms),
      max_work_ms_(std::max(opts.min_work_ms, opts.max_work_ms)),
      fail_rate_(std::clamp(opts.fail_rate, 0.0, 1.0)), seed_(opts.seed) {}

  std::string name() const override { return "mock"; }

  expected<model_command> command(const model_run& run) const override {
    std::ostringstream rate;
    rate << fail_rate_; // shortest decimal form the agent reads back, e.g. "0.25"
    model_command c;
    c.argv = {binary_,
              "--prompt",
              run.prompt_file,
              "--task-json",
              run.run_dir + "/task.json",
              "--work-ms",
              std::to_string(min_work_ms_) + "-" + std::to_string(max_work_ms_),
              "--fail-rate",
              rate.str(),
              "--seed",
              std::to_string(seed_),
              "--workdir",
              run.workdir};
    c.env = run_env(run);
    return c;
  }

  // The mock's result line carries a simulated usage in claude's shape, no cost.
  std::optional<model_usage> usage(const std::string& stdout_path) const override {
    return claude_usage(stdout_path);
  }

  model_outcome judge_output(const model_run&, const run_exit& exit,
                             const std::string& stdout_tail,
                             const std::string& stderr_tail) const override {
    auto result = last_result_object(stdout_tail);
    std::string status = result ? string_field(*result, "status") : "";
    if (status == "success" && exit.exit_code == 0) {
      auto summary = one_line(string_field(*result, "summary"));
      return succeeded(summary.empty() ? "mock agent finished" : summary);
    }
    if (status == "error") {
      auto why = string_field(*result, "error");
      return failed(failure::task_error,
                    "mock agent: " +
                      (why.empty() ? string_field(*result, "summary") : why));
    }
    if (exit.exit_code != 0)
      return failed(failure::task_error, "mock agent " + exit_reason(exit, stderr_tail));
    return failed(failure::bad_output,
                  "mock agent printed no result line; last stdout line: '" +
                    one_line(last_line(stdout_tail), 120) + "'");
  }

private:
  std::string binary_;
  uint32_t min_work_ms_, max_work_ms_;
  double fail_rate_;
  uint64_t seed_;
};

} // namespace

std::unique_ptr<model_adapter> make_mock_adapter(const adapter_options& opts) {
  return std::make_unique<mock_adapter>(opts);
}

} // namespace swarm::harness::detail
