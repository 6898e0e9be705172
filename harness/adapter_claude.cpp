// Claude Code in non-interactive print mode:
//   claude -p <prompt text> --output-format json [--model M] [extra args...]
// -p/--print is a flag and the prompt is the positional argument; the prompt text is the
// content of prompt.md. With --output-format json, stdout is one JSON object when the run
// ends (Claude Code docs, "headless mode" / CLI reference; the SDK's result message):
//   {"type":"result","subtype":"success"|"error_max_turns"|"error_during_execution"|...,
//    "is_error":false,"result":"<final text>","session_id":"...","total_cost_usd":0.01,
//    "duration_ms":1234,"num_turns":3,"usage":{...}}
// An API error (unknown model, overload) ends with subtype "success", is_error true, the
// message in "result" and exit code 0 (seen in sequant-io/sequant#973), so is_error, not
// the exit code or the subtype alone, decides.
//
// No permission flags are passed: print mode then denies tools that need approval (file
// edits, shell). Grant them deliberately through extra_args, e.g.
// {"--permission-mode", "acceptEdits"} or {"--dangerously-skip-permissions"} in a
// sandbox.
#include "harness/model_adapter.hpp"

namespace swarm::harness::detail {

namespace {

class claude_adapter final : public prompt_cli_adapter {
public:
  explicit claude_adapter(const adapter_options& opts) : prompt_cli_adapter("claude", opts) {}

  expected<model_command> command(const model_run& run) const override {
    return prompt_command(run, {"-p"}, {"--output-format", "json"}, false);
  }


  model_outcome judge_output(const model_run&, const run_exit& exit,
                             const std::string& stdout_tail,
                             const std::string& stderr_tail) const override {
    auto result = last_result_object(stdout_tail);
    if (!result) {
      if (exit.exit_code != 0)
        return failed(failure::task_error, "claude " + exit_reason(exit, stderr_tail));
      return failed(failure::bad_output,
                    "claude printed no JSON result (expected --output-format json); last "
                    "stdout line: '" +
                      one_line(last_line(stdout_tail), 120) + "'");
    }
    auto* is_error = result->if_contains("is_error");
    std::string subtype = string_field(*result, "subtype");
    std::string text = string_field(*result, "result");
    bool error = (is_error != nullptr && is_error->is_bool() && is_error->get_bool()) ||
                 subtype.rfind("error", 0) == 0;
    if (error) {
      // An API error comes as subtype "success" with is_error set: name the subtype only
      // when it says something.
      std::string why = subtype.rfind("error", 0) == 0 ? subtype : "an error";
      if (!text.empty())
        why += ": " + text;
      return failed(failure::task_error, "claude reported " + why);
    }
    if (exit.exit_code != 0)
      return failed(failure::task_error, "claude " + exit_reason(exit, stderr_tail));
    auto summary = one_line(last_line(text));
    return succeeded(summary.empty() ? "claude finished (empty result)" : summary);
  }

};

} // namespace

std::unique_ptr<model_adapter> make_claude_adapter(const adapter_options& opts) {
  return std::make_unique<claude_adapter>(opts);
}

} // namespace swarm::harness::detail
