// Claude Code in non-interactive print mode:
//   claude -p <prompt text> --output-format stream-json --verbose [--model M] [extra...]
// -p/--print is a flag and the prompt is the positional argument; the prompt text is the
// content of prompt.md. With --output-format stream-json (which print mode accepts only
// with --verbose; claude 2.1 --help) stdout is one JSON object per line — the session's
// messages, then, when the run ends, the result (Claude Code docs, "headless mode" / CLI
// reference; the SDK's result message), the same object --output-format json prints:
//   {"type":"result","subtype":"success"|"error_max_turns"|"error_during_execution"|...,
//    "is_error":false,"result":"<final text>","session_id":"...","total_cost_usd":0.01,
//    "duration_ms":1234,"num_turns":3,"usage":{...}}
// An API error (unknown model, overload) ends with subtype "success", is_error true, the
// message in "result" and exit code 0 (seen in sequant-io/sequant#973), so is_error, not
// the exit code or the subtype alone, decides.
//
// Usage (usage()): the last result's modelUsage summed over its models (or its usage,
// the main loop only) and total_cost_usd (claude_usage, harness/usage_readers.hpp).
//
// Signs that claude cannot reach its service (claude_signs), tested on what the CLI itself
// says: stderr, the result's text when is_error is set, and its retry events. Offline
// and logged out it ends in about a second with
//   {"type":"result","subtype":"success","is_error":true,...,
//    "result":"Not logged in · Please run /login",...}   (exit 1)
// and offline with an API key it prints nothing at all in json mode for minutes while
// it retries; stream-json shows each retry as
//   {"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,
//    "retry_delay_ms":549.4,"error_status":null,"error":"unknown",...}
// (both seen with claude 2.1.197, offline). The other messages are claude's own strings:
// "Invalid API key · Please run /login", "OAuth token revoked · Please run /login",
// "Unable to connect to API (<code>)", "Credit balance is too low", "usage limit
// reached", "rate_limit_error"/"overloaded_error" in an "API Error: 429 ..." result.
//
// The swarm MCP server (with a swarm executable): <run_dir>/mcp.json holds
//   {"mcpServers":{"swarm":{"type":"stdio","command":"<swarm>","args":["mcp"],
//    "env":{"SWARM_AGENT":"<agent>","SWARM_DB":...,"SWARM_SOCKET":...}}}}
// passed as --mcp-config <file>, and --allowed-tools "mcp__swarm__*" lets print mode use
// its tools without asking (claude 2.1 --help: "--mcp-config <configs...> Load MCP
// servers from JSON files or strings", "--allowedTools, --allowed-tools <tools...>").
//
// Permissions (adapter_options::permissions): workdir is --permission-mode acceptEdits
// (edits allowed; shell commands still need approval, so print mode denies them), full
// is --dangerously-skip-permissions, none passes nothing (print mode then denies every
// tool that needs approval). Any of --permission-mode, --dangerously-skip-permissions,
// --allow-dangerously-skip-permissions in extra_args replaces the profile.
#include "harness/model_adapter.hpp"
#include "harness/usage_readers.hpp"

#include <boost/json.hpp>

#include <filesystem>

namespace swarm::harness::detail {

namespace {

// The third retry comes about 4 s into an outage (0.5 s, 1.1 s, 2.3 s backoff).
const std::vector<unavailable_sign> claude_signs = {
  {"Not logged in"},         {"Please run /login"},         {"Invalid API key"},
  {"OAuth token"},           {"Unable to connect to API"},  {"Credit balance is too low"},
  {"usage limit reached"},   {"hit your limit"},            {"rate_limit_error"},
  {"overloaded_error"},      {"API retry", 3},
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// What claude itself said on a line: stderr as it is; on stdout only an error result's
// text and a retry event ("API retry 3/10: unknown"), never the session's messages.
std::string claude_words(bool is_stderr, std::string_view line) {
  if (is_stderr) return std::string(line);
  const bool result = starts_with(line, R"({"type":"result")");
  if (!result && !starts_with(line, R"({"type":"system","subtype":"api_retry")"))
    return {};
  auto o = last_json_object(line);
  if (!o) return {};
  if (result) {
    auto* is_error = o->if_contains("is_error");
    return is_error && is_error->is_bool() && is_error->get_bool() ? string_field(*o, "result")
                                                                   : std::string{};
  }
  auto number = [&](const char* key) {
    auto* v = o->if_contains(key);
    return v && v->is_int64() ? std::to_string(v->get_int64()) : std::string{"?"};
  };
  std::string said = "API retry " + number("attempt") + "/" + number("max_retries");
  if (auto* status = o->if_contains("error_status"); status && status->is_int64())
    said += ", status " + std::to_string(status->get_int64());
  if (auto error = string_field(*o, "error"); !error.empty()) said += ": " + error;
  return said + " (cannot reach the API)";
}

class claude_adapter final : public prompt_cli_adapter {
public:
  explicit claude_adapter(const adapter_options& opts) : prompt_cli_adapter("claude", opts) {}


  output_watch watch() const override {
    return watch_for_signs("claude", claude_signs, claude_words);
  }

  expected<model_command> command(const model_run& run) const override {
    std::vector<std::string> after{"--output-format", "stream-json", "--verbose"};
    if (has_swarm_tools()) {
      auto config = (std::filesystem::path(run.run_dir) / "mcp.json").string();
      if (auto written = write_run_file(config, mcp_config(run)); !written)
        return written.error();
      after.insert(after.end(), {"--mcp-config", config, "--allowed-tools", "mcp__swarm__*"});
    }
    const permission_flags flags{{"--permission-mode", "acceptEdits"},
                                 {"--dangerously-skip-permissions"},
                                 {"--permission-mode", "--dangerously-skip-permissions",
                                  "--allow-dangerously-skip-permissions"}};
    auto profile = profile_args(permissions_, flags, extra_args_);
    after.insert(after.end(), profile.begin(), profile.end());
    return prompt_command(run, {"-p"}, std::move(after), false);
  }


  std::optional<model_usage> usage(const std::string& stdout_path) const override {
    return claude_usage(stdout_path);
  }

  model_outcome judge_output(const model_run&, const run_exit& exit,
                             const std::string& stdout_tail,
                             const std::string& stderr_tail) const override {
    auto result = last_result_object(stdout_tail);
    if (!result) {
      if (exit.exit_code != 0)
        return failed(failure::task_error, "claude " + exit_reason(exit, stderr_tail));
      return failed(failure::bad_output,
                    "claude printed no JSON result (expected --output-format stream-json); last "
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

private:
  std::string mcp_config(const model_run& run) const {
    boost::json::object env;
    for (const auto& [k, v] : mcp_server_env(run, swarm_env_))
      env[k] = v;
    boost::json::object server{{"type", "stdio"},
                               {"command", swarm_executable_},
                               {"args", boost::json::array{"mcp"}},
                               {"env", std::move(env)}};
    return boost::json::serialize(
             boost::json::object{{"mcpServers", boost::json::object{{"swarm", server}}}}) +
           "\n";
  }
};

} // namespace

std::unique_ptr<model_adapter> make_claude_adapter(const adapter_options& opts) {
  return std::make_unique<claude_adapter>(opts);
}

} // namespace swarm::harness::detail
