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
// No sandbox or approval flags are passed, so codex runs with its default read-only
// sandbox and cannot edit files. Grant edits deliberately through extra_args, e.g.
// {"--sandbox", "workspace-write"}; {"--skip-git-repo-check"} lets it run outside a Git
// repository.
#include "harness/model_adapter.hpp"

#include <boost/json/parse.hpp>

namespace swarm::harness::detail {

namespace {

class codex_adapter final : public prompt_cli_adapter {
public:
  explicit codex_adapter(const adapter_options& opts) : prompt_cli_adapter("codex", opts) {}

  expected<model_command> command(const model_run& run) const override {
    return prompt_command(run, {"exec", "--json", "--cd", run.workdir}, {}, true);
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
