// Google Gemini CLI in headless mode with JSON output:
//   gemini -p <prompt text> --output-format json --skip-trust [--model M] [extra args...]
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
// Usage (usage()): stats.models.<model>.tokens summed over the models; gemini prints no
// cost (gemini_usage, harness/usage_readers.hpp).
//
// Signs that gemini cannot reach its service (gemini_signs), tested on stderr only:
// stdout holds the model's response. Logged out it ends at once (exit 41) with
//   {"session_id":"...","error":{"type":"Error","message":"Please set an Auth method in
//    your .../settings.json or specify one of the following environment variables
//    before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA",
//    "code":41}}
// on stderr; offline with a key it retries for minutes, printing
//   Attempt 1 failed. Retrying with backoff... Error: exception TypeError: fetch failed
//   sending request
// at 4 s, 8 s, 19 s, 38 s (gemini 0.61.0). A rejected key is Google's "API key not
// valid", a spent quota "RESOURCE_EXHAUSTED" / "Quota exceeded" / "exhausted your".
//
// --skip-trust: gemini 0.61 refuses to run headless in a folder the person has not
// trusted interactively (exit 55, "Gemini CLI is not running in a trusted directory"),
// which a swarm workdir never is; the flag trusts it for this session only (--help:
// "Trust the current workspace for this session").
//
// The swarm MCP server (with a swarm executable): <run_dir>/gemini-settings.json holds
//   {"mcpServers":{"swarm":{"command":"<swarm>","args":["mcp"],"env":{...},
//    "trust":true}}}
// named by GEMINI_CLI_SYSTEM_DEFAULTS_PATH, the lowest of gemini's settings layers
// (docs/cli/enterprise.md): the person's own settings still apply and win, their
// mcpServers are merged with it, and "trust" lets gemini call the swarm tools without
// asking (docs/tools/mcp-server.md). The person's files are never touched. gemini skips
// such a file when a directory above it is writable by others (a project under /tmp),
// saying so on stderr ("Security Warning: Skipping system defaults file ..."): the model
// then runs without the swarm tools.
//
// Permissions (adapter_options::permissions): workdir is --approval-mode auto_edit, full
// is --approval-mode yolo, none passes nothing (headless gemini then refuses tools that
// need approval). Any of --approval-mode, --yolo, -y in extra_args replaces the
// profile.
#include "harness/model_adapter.hpp"
#include "harness/usage_readers.hpp"

#include <boost/json.hpp>

#include <filesystem>

namespace swarm::harness::detail {

namespace {

// The second failed fetch comes about 8 s into an outage.
const std::vector<unavailable_sign> gemini_signs = {
  {"Please set an Auth method"}, {"API key not valid"},     {"RESOURCE_EXHAUSTED"},
  {"Quota exceeded"},            {"exhausted your"},        {"fetch failed", 2},
  {"Retrying with backoff", 3},
};

// What gemini itself said on a line: stderr only, where the pretty-printed error object's
// `"message": "..."` line stands for its text.
std::string gemini_words(bool is_stderr, std::string_view line) {
  if (!is_stderr) return {};
  auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  line.remove_prefix(start);
  constexpr std::string_view key = R"("message":)";
  if (line.substr(0, key.size()) != key) return std::string(line);
  auto value = line.substr(key.size());
  while (!value.empty() && (value.back() == ',' || value.back() == ' ')) value.remove_suffix(1);
  boost::system::error_code ec;
  auto v = boost::json::parse(boost::json::string_view(value.data(), value.size()), ec);
  return !ec && v.is_string() ? std::string(v.get_string()) : std::string(line);
}

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
    std::vector<std::string> after{"--output-format", "json", "--skip-trust"};
    const permission_flags flags{{"--approval-mode", "auto_edit"},
                                 {"--approval-mode", "yolo"},
                                 {"--approval-mode", "--yolo", "-y"}};
    auto profile = profile_args(permissions_, flags, extra_args_);
    after.insert(after.end(), profile.begin(), profile.end());
    auto c = prompt_command(run, {"-p"}, std::move(after), false);
    if (!c || !has_swarm_tools())
      return c;
    auto settings = (std::filesystem::path(run.run_dir) / "gemini-settings.json").string();
    if (auto written = write_run_file(settings, settings_json(run)); !written)
      return written.error();
    c->env.emplace_back("GEMINI_CLI_SYSTEM_DEFAULTS_PATH", settings);
    return c;
  }

  output_watch watch() const override {
    return watch_for_signs("gemini", gemini_signs, gemini_words);
  }


  std::optional<model_usage> usage(const std::string& stdout_path) const override {
    return gemini_usage(stdout_path);
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

private:
  std::string settings_json(const model_run& run) const {
    boost::json::object env;
    for (const auto& [k, v] : mcp_server_env(run, swarm_env_))
      env[k] = v;
    boost::json::object server{{"command", swarm_executable_},
                               {"args", boost::json::array{"mcp"}},
                               {"env", std::move(env)},
                               {"trust", true}};
    return boost::json::serialize(
             boost::json::object{{"mcpServers", boost::json::object{{"swarm", server}}}}) +
           "\n";
  }
};

} // namespace

std::unique_ptr<model_adapter> make_gemini_adapter(const adapter_options& opts) {
  return std::make_unique<gemini_adapter>(opts);
}

} // namespace swarm::harness::detail
