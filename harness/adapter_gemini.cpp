// Google Gemini CLI in headless mode with JSON output:
//   gemini -p <prompt text> --output-format json [--model M] [extra args...]
// (geminicli.com/docs/cli/headless; packages/cli/src/config/config.ts: -p/--prompt takes
// the prompt text — deprecated for a while in favour of a positional prompt, undeprecated
// again in google-gemini/gemini-cli#26329 — and is safe for a prompt starting with '-',
// which a positional prompt is not; -m/--model; -o/--output-format
// text|json|stream-json). On success stdout holds one pretty-printed object
// (packages/core/src/output/ json-formatter.ts):
//   {"session_id":"...","response":"<final text>","stats":{...}}
// A fatal error prints
// {"session_id":"...","error":{"type":"...","message":"...","code":N}} on stderr and
// exits with that code (1 general or API error, 42 bad input, 53 turn limit;
// packages/cli/src/utils/errors.ts). An "error" member on stdout also fails.
//
// No approval flags are passed, so headless gemini cannot run tools that need approval.
// Grant them deliberately through extra_args, e.g. {"--approval-mode", "auto_edit"} or
// {"--yolo"} in a sandbox.
#include "harness/model_adapter.hpp"

namespace swarm::harness::detail {

namespace {

// "FatalTurnLimitedError: Reached max session turns..." from an {"error": {...}} object.
std::optional<std::string> error_of(const boost::json::object& o) {
  auto* err = o.if_contains("error");
  if (err == nullptr || err->is_null())
    return std::nullopt;
  if (!err->is_object())
    return std::string("error");
  std::string type = string_field(err->get_object(), "type");
  std::string message = string_field(err->get_object(), "message");
  if (type.empty())
    return message.empty() ? "error" : message;
  return message.empty() ? type : type + ": " + message;
}

class gemini_adapter final : public prompt_cli_adapter {
public:
  explicit gemini_adapter(const adapter_options& opts) : prompt_cli_adapter("gemini", opts) {}

  expected<model_command> command(const model_run& run) const override {
    return prompt_command(run, {"-p"}, {"--output-format", "json"}, false);
  }


  model_outcome judge_output(const model_run&, const run_exit& exit,
                             const std::string& stdout_tail,
                             const std::string& stderr_tail) const override {
    if (exit.exit_code != 0) {
      if (auto err = last_json_object(stderr_tail))
        if (auto why = error_of(*err))
          return failed(failure::task_error, "gemini exited with code " +
                                               std::to_string(exit.exit_code) + ": " +
                                               *why);
      return failed(failure::task_error, "gemini " + exit_reason(exit, stderr_tail));
    }
    auto out = last_json_object(stdout_tail);
    if (!out)
      return failed(failure::bad_output,
                    "gemini printed no JSON object (expected --output-format json); last "
                    "stdout line: '" +
                      one_line(last_line(stdout_tail), 120) + "'");
    if (auto why = error_of(*out))
      return failed(failure::task_error, "gemini reported " + *why);
    auto* response = out->if_contains("response");
    if (response == nullptr || !response->is_string())
      return failed(failure::bad_output,
                    "gemini's JSON output has no \"response\" string");
    auto summary = one_line(last_line(response->get_string()));
    return succeeded(summary.empty() ? "gemini finished (empty response)" : summary);
  }

};

} // namespace

std::unique_ptr<model_adapter> make_gemini_adapter(const adapter_options& opts) {
  return std::make_unique<gemini_adapter>(opts);
}

} // namespace swarm::harness::detail
