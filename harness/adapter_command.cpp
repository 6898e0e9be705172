// Any program, from a command template ("command:<template>", see command_template in
// model_adapter.hpp). Nothing structured is expected of its output: exit 0 is success and
// the last non-empty stdout line is the summary.
#include "harness/model_adapter.hpp"
#include "harness/usage_readers.hpp"

namespace swarm::harness::detail {

namespace {

class command_adapter final : public model_adapter {
public:
  command_adapter(command_template tmpl, const adapter_options& opts)
    : template_(std::move(tmpl)), extra_args_(opts.extra_args) {}

  std::string name() const override { return "command"; }

  expected<model_command> command(const model_run& run) const override {
    model_command c;
    c.argv = template_.expand(run);
    c.argv.insert(c.argv.end(), extra_args_.begin(), extra_args_.end());
    c.env = run_env(run);
    return c;
  }

  // Nothing unless the program ends its output with a claude-format result line.
  std::optional<model_usage> usage(const std::string& stdout_path) const override {
    return claude_usage(stdout_path);
  }

  model_outcome judge_output(const model_run& run, const run_exit& exit,
                             const std::string& stdout_tail,
                             const std::string& stderr_tail) const override {
    std::string program = template_.expand(run).front();
    if (exit.exit_code != 0)
      return failed(failure::task_error, program + " " + exit_reason(exit, stderr_tail));
    auto summary = one_line(last_line(stdout_tail));
    return succeeded(summary.empty() ? program + " finished (no output)" : summary);
  }

private:
  command_template template_;
  std::vector<std::string> extra_args_;
};

} // namespace

std::unique_ptr<model_adapter> make_command_adapter(command_template tmpl,
                                                    const adapter_options& opts) {
  return std::make_unique<command_adapter>(std::move(tmpl), opts);
}

} // namespace swarm::harness::detail
