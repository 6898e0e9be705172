// OpenAI Codex CLI in non-interactive mode, with JSON Lines events on stdout:
//   codex exec --json --cd <workdir> [--model M] [extra args...] <prompt text>
// (openai/codex docs/exec.md and codex-rs/exec/src/cli.rs: `exec` takes the prompt as a
// positional argument, --json prints events as JSONL, -C/--cd sets the working root,
// -m/--model the model). Events (codex-rs/exec/src/exec_events.rs):
//   {"type":"thread.started","thread_id":"..."}
//   {"type":"turn.started"}
//   {"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"..."}}
//   {"type":"turn.completed","usage":{"input_tokens":..,"output_tokens":..,...}}
//   {"type":"turn.failed","error":{"message":"..."}}
//   {"type":"error","message":"..."}
// The summary is the last agent_message. The turn's end decides, not the exit code: a
// turn.failed fails even with exit 0, and a turn.completed succeeds even if codex then
// exits non-zero on a background error (both seen in the wild). "error" events count only
// when no turn end was printed, since codex also sends them for transient trouble
// ("Reconnecting... 1/5"). With neither, the exit code decides.
//
// Usage (usage()): every turn.completed's usage summed over the run's turns; codex
// prints no cost (codex_usage, harness/usage_readers.hpp).
//
// Signs that codex cannot reach its service (codex_signs), tested on what the CLI itself
// says: stderr, and the message of "error" and "turn.failed" events and of "error"
// items — never agent messages or command output. Offline it never ends by itself:
//   {"type":"error","message":"Reconnecting... 2/5 (stream disconnected before
//    completion: failed to lookup address information: Name does not resolve)"}
// up to 5/5 within 4 s, then
//   {"type":"error","message":"Reconnecting... waiting for network (Connection failed:
//    error sending request)"}
// every few seconds (codex-cli 0.171.0, offline, logged out or not). The other messages
// are codex's own strings: "You've hit your usage limit", "Quota exceeded. Check your
// plan and billing details.", "exceeded retry limit, last status: 429 ...", "unexpected
// status 401 Unauthorized", "Run codex login or provide an API key...", "Missing
// environment variable: `OPENAI_API_KEY`", "... Please log out and sign in again.".
// Outside a Git repository it exits at once with "Not inside a trusted directory and
// --skip-git-repo-check was not specified." on stderr: every attempt would fail the
// same way, so it counts too.
//
// The swarm MCP server (with a swarm executable), as -c overrides of config.toml (codex
// exec --help: "-c, --config <key=value> ... The value portion is parsed as TOML"):
//   -c mcp_servers.swarm.command="<swarm>"   -c mcp_servers.swarm.args=["mcp"]
//   -c mcp_servers.swarm.env={SWARM_AGENT="<agent>",SWARM_DB="...",SWARM_SOCKET="..."}
//   -c mcp_servers.swarm.default_tools_approval_mode="approve"
// (`codex mcp list` with these shows the server; the approval mode's values are auto,
// prompt, writes, approve — codex-cli 0.171.0's own error for a wrong one). Nothing is
// written: the overrides last for this run only.
//
// Permissions (adapter_options::permissions): workdir is --sandbox workspace-write
// (edits inside the workdir, commands sandboxed), full is
// --dangerously-bypass-approvals-and-sandbox, none passes nothing (codex's read-only
// sandbox: it cannot edit). codex refuses a flag given twice, so any of --sandbox, -s,
// --dangerously-bypass-approvals-and-sandbox, --approve-for-me in extra_args replaces the
// profile. {"--skip-git-repo-check"} lets it run outside a Git repository.
#include "harness/model_adapter.hpp"
#include "harness/usage_readers.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace swarm::harness::detail {

namespace {

// The fourth reconnect comes about 2 s into an outage.
const std::vector<unavailable_sign> codex_signs = {
  {"Reconnecting...", 4},     {"waiting for network"},
  {"hit your usage limit"},   {"Quota exceeded"},
  {"exceeded retry limit"},   {"401 Unauthorized"},
  {"Not logged in"},          {"codex login"},
  {"login is required"},      {"sign in again"},
  {"Missing environment variable"},
  // Not the service, but just as fatal to every attempt: outside a Git repository codex
  // refuses to start unless given --skip-git-repo-check.
  {"Not inside a trusted directory"},
};

// What codex itself said on a line: stderr as it is; on stdout the message of an error
// event, a failed turn or an error item.
std::string codex_words(bool is_stderr, std::string_view line) {
  if (is_stderr) return std::string(line);
  if (line.substr(0, 1) != "{" || line.find("error") == std::string_view::npos) return {};
  auto e = last_json_object(line);
  if (!e) return {};
  auto type = string_field(*e, "type");
  auto message_of = [](const boost::json::value* v) {
    return v && v->is_object() ? string_field(v->get_object(), "message") : std::string{};
  };
  if (type == "error") return string_field(*e, "message");
  if (type == "turn.failed") return message_of(e->if_contains("error"));
  if (type == "item.completed" || type == "item.started") {
    auto* item = e->if_contains("item");
    if (item && item->is_object() && string_field(item->get_object(), "type") == "error")
      return message_of(item);
  }
  return {};
}

class codex_adapter final : public prompt_cli_adapter {
public:
  explicit codex_adapter(const adapter_options& opts) : prompt_cli_adapter("codex", opts) {}

  expected<model_command> command(const model_run& run) const override {
    std::vector<std::string> after;
    if (has_swarm_tools()) {
      std::string env;
      for (const auto& [k, v] : mcp_server_env(run, swarm_env_))
        env += (env.empty() ? "" : ",") + k + "=" + toml_string(v);
      after = {"-c", "mcp_servers.swarm.command=" + toml_string(swarm_executable_),
               "-c", "mcp_servers.swarm.args=[\"mcp\"]",
               "-c", "mcp_servers.swarm.env={" + env + "}",
               // The agent's token reaches the server by name from the model's
               // environment, never on the command line.
               "-c", "mcp_servers.swarm.env_vars=[\"SWARM_AGENT_TOKEN\"]",
               "-c", "mcp_servers.swarm.default_tools_approval_mode=\"approve\""};
    }
    const permission_flags flags{{"--sandbox", "workspace-write"},
                                 {"--dangerously-bypass-approvals-and-sandbox"},
                                 {"--sandbox", "-s",
                                  "--dangerously-bypass-approvals-and-sandbox",
                                  "--approve-for-me"}};
    auto profile = profile_args(permissions_, flags, extra_args_);
    after.insert(after.end(), profile.begin(), profile.end());
    return prompt_command(run, {"exec", "--json", "--cd", run.workdir}, std::move(after),
                          true);
  }

  output_watch watch() const override {
    return watch_for_signs("codex", codex_signs, codex_words);
  }


  std::optional<model_usage> usage(const std::string& stdout_path) const override {
    return codex_usage(stdout_path);
  }

  model_outcome judge_output(const model_run&, const run_exit& exit,
                             const std::string& stdout_tail,
                             const std::string& stderr_tail) const override {
    enum class end { none, completed, failed } turn = end::none;
    std::string turn_error, stream_error, message;
    int events = 0;
    for_each_event(stdout_tail, [&](const boost::json::object& e) {
      ++events;
      std::string type = string_field(e, "type");
      if (type == "turn.completed") {
        turn = end::completed;
      } else if (type == "turn.failed") {
        turn = end::failed;
        auto* err = e.if_contains("error");
        turn_error =
          err && err->is_object() ? string_field(err->get_object(), "message") : "";
      } else if (type == "error") {
        stream_error = string_field(e, "message");
      } else if (type == "item.completed") {
        auto* item = e.if_contains("item");
        if (item && item->is_object() &&
            string_field(item->get_object(), "type") == "agent_message")
          message = string_field(item->get_object(), "text");
      }
    });
    if (turn == end::failed)
      return failed(failure::task_error,
                    "codex: turn failed: " +
                      (turn_error.empty() ? "no message" : turn_error));
    if (turn == end::completed) {
      auto summary = one_line(last_line(message));
      return succeeded(summary.empty() ? "codex finished the turn (no message)"
                                       : summary);
    }
    if (!stream_error.empty())
      return failed(failure::task_error, "codex: " + stream_error);
    if (exit.exit_code != 0)
      return failed(failure::task_error, "codex " + exit_reason(exit, stderr_tail));
    return failed(failure::bad_output,
                  events == 0
                    ? "codex printed no JSON events (expected --json)"
                    : "codex output ended before its turn did (no turn.completed)");
  }

private:
  // A TOML basic string: JSON's string escapes are all valid TOML escapes.
  static std::string toml_string(const std::string& s) {
    return boost::json::serialize(boost::json::value(boost::json::string_view(s)));
  }

  // Calls f with every stdout line that is a JSON object; other lines (and a first line
  // cut by the tail) are skipped.
  template <class F> static void for_each_event(const std::string& text, F&& f) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos)
        end = text.size();
      if (text[start] == '{') {
        boost::system::error_code ec;
        auto v = boost::json::parse(
          boost::json::string_view(text.data() + start, end - start), ec);
        if (!ec && v.is_object())
          f(v.get_object());
      }
      start = end + 1;
    }
  }

};

} // namespace

std::unique_ptr<model_adapter> make_codex_adapter(const adapter_options& opts) {
  return std::make_unique<codex_adapter>(opts);
}

} // namespace swarm::harness::detail
