#pragma once
// Model adapters: how the agent harness runs one kind of model as a subprocess — the
// built-in mock (swarm-mock-agent), any command from a template, Claude Code, Codex,
// Gemini CLI — and how it judges the finished run. Plain C++: no CAF, no SQLite.
//
// Each AgentHarness actor owns one adapter, made once from its agent's model spec by
// make_adapter(). An adapter is immutable after construction: command() and judge() are
// const, share no state and may run on any thread. command() may read the prompt file
// (CLIs that take the prompt text as an argument); judge() does no I/O.
//
// One attempt: command(run) -> the process runner starts argv in run.workdir with the
// harness's environment plus `env`, stdout and stderr going to files in run.run_dir ->
// judge(run, exit, the tails of those two files). judge() looks at the end of the output
// only, so the tails must be long enough to hold the final result object (64 KiB is
// plenty for every CLI here). usage(stdout file) then reads what the run used from the
// whole file (harness/usage_readers.hpp: line by line, bounded).

#include "harness/process_runner.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::harness {

// One attempt, as the harness knows it.
struct model_run {
  std::string agent, task_id, title;
  uint32_t attempt = 1;
  std::string prompt_file; // absolute path of prompt.md
  std::string run_dir;     // absolute; holds prompt.md, task.json, stdout, stderr
  std::string workdir;     // absolute; the model's working directory
};

// What to start. `env` is added to (and overrides) the environment the harness gives
// every model; adapters set SWARM_AGENT, SWARM_TASK, SWARM_ATTEMPT, SWARM_RUN_DIR,
// SWARM_PROMPT_FILE and SWARM_WORKDIR there. argv[0] is a path, or a name looked up
// in PATH.
struct model_command {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
};

// Kinds of failure. Persisted in task results and shown to the next attempt's model —
// never rename.
namespace failure {
inline constexpr const char* task_error = "task_error";   // reported error, or exit != 0
inline constexpr const char* model_crash = "model_crash"; // killed by a signal
inline constexpr const char* timeout = "timeout";         // the harness's deadline passed
inline constexpr const char* spawn_error = "spawn_error"; // the process could not start
inline constexpr const char* bad_output = "bad_output";   // structured output unreadable
// Its CLI said it cannot reach its service: not logged in, no API key, offline,
// reconnecting, rate limited. Not the task's fault: the attempt is handed back.
inline constexpr const char* model_unavailable = "model_unavailable";
// Wrote nothing at all (stdout or stderr) for the stall timeout.
inline constexpr const char* model_stalled = "model_stalled";
// Isolation "worktree": the model's committed work does not merge into the integration
// branch (the files and the tasks that changed them first are in the reason).
inline constexpr const char* merge_conflict = "merge_conflict";
// Isolation "worktree" with quality gates: the work made a check worse than the
// baseline (the report of what got worse is the reason); it is not merged.
inline constexpr const char* quality_failure = "quality_failure";
} // namespace failure

struct model_outcome {
  bool success = false;
  std::string summary;      // success: what the model said it did (one line, ~200 chars)
  std::string failure_type; // on failure: one of `failure::`
  std::string reason;       // on failure: one line for humans
};

// How a run ended, as the process runner saw it.
struct run_exit {
  int exit_code = -1;     // valid when signal == 0 and the process ran
  int signal = 0;         // the signal that killed it, 0 if it exited
  bool timed_out = false; // the harness killed it at its deadline
  bool stalled = false;   // the harness stopped it after the stall timeout of silence
  // The adapter's watch (model_adapter::watch) saw its CLI say it cannot reach its
  // service: "<cli>: <what the CLI said>". Decides over everything but a spawn failure.
  std::string unavailable;
  bool spawn_failed = false;
  std::string spawn_error;
};

class model_adapter {
public:
  virtual ~model_adapter() = default;
  // "mock", "command", "claude", "codex", "gemini".
  virtual std::string name() const = 0;
  // The process to start for one attempt. errc::io_error when the prompt cannot be read,
  // errc::bad_request when it cannot be passed (too long for one argument).
  virtual expected<model_command> command(const model_run& run) const = 0;
  // Whether its model gets the swarm MCP tools (adapter_options::swarm_executable), so
  // the prompt may tell it about them.
  virtual bool has_swarm_tools() const { return false; }
  // A fresh watch for one attempt's output (process_spec::watch): it answers
  // "<cli>: <what the CLI said>" once the CLI says it cannot reach its service, and ""
  // until then. Empty when this model has no such signs (mock, command:).
  virtual output_watch watch() const { return {}; }
  // Judges a finished run from its exit and the tails of its stdout/stderr files: a
  // spawn failure, what the watch saw (model_unavailable), a timeout, a stall or a
  // killing signal decides alone (detail::judge_exit); a process that exited by itself
  // is judged by its output (judge_output), and a failure there is model_unavailable
  // when a fresh watch() finds a sign in the tails.
  model_outcome judge(const model_run& run, const run_exit& exit,
                      const std::string& stdout_tail, const std::string& stderr_tail) const;
  // What a finished run used — tokens, and the cost when its CLI says it — read from its
  // whole stdout file (usage_readers.hpp); nullopt when the CLI reported nothing
  // readable, never an error. Reads only that file, line by line.
  virtual std::optional<model_usage> usage(const std::string& stdout_path) const = 0;

protected:
  // The verdict on a run whose process exited by itself (exit.exit_code is valid).
  virtual model_outcome judge_output(const model_run& run, const run_exit& exit,
                                     const std::string& stdout_tail,
                                     const std::string& stderr_tail) const = 0;
};

struct adapter_options {
  // Overrides the program: the CLI's path or name ("claude", "codex", "gemini"), or for
  // the mock the swarm-mock-agent path (default: find_mock_agent()). Unused by command:.
  std::string binary;
  // Model name passed to a CLI as --model when set. Unused by mock and command:.
  std::string model;
  // Appended after the adapter's own arguments (claude, codex, gemini, command:); for the
  // CLIs, after the permissions profile's flags too, which they may replace.
  std::vector<std::string> extra_args;
  // claude, codex, gemini: "workdir" | "none" | "full" (agent_options::permissions),
  // mapped to the CLI's own permission flags, which come before extra_args; when
  // extra_args already name one of those flags, the profile adds none (a CLI may refuse
  // a flag given twice).
  std::string permissions = "workdir";
  // claude, codex, gemini: the swarm executable started as `<it> mcp`, the model's
  // "swarm" MCP server, configured for each attempt in its run directory (the
  // configuration is the CLI's own: a file, -c overrides, a settings file); empty: none.
  std::string swarm_executable;
  // Added to the MCP server's environment (SWARM_DB, SWARM_SOCKET), with SWARM_AGENT.
  std::vector<std::pair<std::string, std::string>> swarm_env;
  // mock only:
  uint32_t min_work_ms = 20, max_work_ms = 120; // simulated work time
  double fail_rate = 0;                         // probability an attempt fails
  uint64_t seed = 0; // mixed with task id and attempt by the mock, so attempts differ
};

// Makes the adapter for a model spec: "mock" | "command:<template>" | "claude" | "codex"
// | "gemini". errc::bad_request naming the spec and the valid ones otherwise, with the
// template column when a command template does not parse, or naming the permissions
// profile when it is not one of workdir, none, full.
expected<std::unique_ptr<model_adapter>> make_adapter(const std::string& spec,
                                                      const adapter_options& opts);

// Where swarm-mock-agent is, first match wins:
//   1. $SWARM_MOCK_AGENT, when set and not empty (taken as is);
//   2. beside libswarm (the directory of the loaded library, found with dladdr):
//      <libdir>/../bin/swarm-mock-agent (installed layout), then
//      <libdir>/swarm-mock-agent (build tree);
//   3. beside the running program: <dir of /proc/self/exe>/swarm-mock-agent;
//   4. "swarm-mock-agent", left to PATH.
// Candidates 2 and 3 count only when executable.
std::string find_mock_agent();

// A command template ("command:<template>"), split into words once at make_adapter time.
//
// Splitting follows POSIX shell quoting (split_shell_words, harness/shell_words.hpp),
// with no shell ever run and no expansion but the placeholders: whitespace separates
// words; '...' keeps everything literally; "..." keeps everything but lets a backslash
// escape " \ $ ` and newline; outside quotes a backslash escapes any character
// (backslash-newline joins lines); '' or "" is an empty word. Placeholders {prompt_file}
// {task_id} {agent} {workdir} {run_dir} {attempt} are substituted in every word after
// splitting, so a value with spaces stays one argument.
// "{{" is a literal "{"; any other "{" not starting {name} is literal too ("{}", "{ x").
class command_template {
public:
  // errc::bad_request "command template: ... at column N" for an unbalanced quote, a
  // trailing backslash, an unknown {placeholder} or an empty template.
  static expected<command_template> parse(std::string_view text);

  // The words as split, placeholders not yet substituted.
  const std::vector<std::string>& words() const { return words_; }
  // The argv for one attempt.
  std::vector<std::string> expand(const model_run& run) const;

private:
  std::vector<std::string> words_;
};

// Shared by the adapter implementations (adapter_*.cpp); exposed for their tests.
namespace detail {

// A sign that a CLI cannot reach its service: an ASCII-case-insensitive substring of
// what the CLI itself said on one line, counting once it was seen `repeats` times.
struct unavailable_sign {
  std::string_view text;
  uint32_t repeats = 1;
};
// What the CLI itself said on one complete output line (no newline), for the signs to
// be tested on; "" when the line is the model's work (its messages, tool output), which
// may quote any text at all.
using cli_words = std::function<std::string(bool is_stderr, std::string_view line)>;
// The watch of a CLI adapter: splits both streams into lines (an unfinished line is cut
// at 64 KiB), asks `words` what the CLI said on each, and answers
// "<cli>: <that, one line>" at the first sign that reached its repeats.
output_watch watch_for_signs(std::string cli, std::vector<unavailable_sign> signs,
                             cli_words words);

// The verdict every adapter gives before looking at output: spawn failure, timeout, or
// a killing signal. nullopt when the process exited by itself.
std::optional<model_outcome> judge_exit(const run_exit& exit);
model_outcome succeeded(std::string_view summary);
model_outcome failed(const char* failure_type, std::string_view reason);
// "exited with code 3: <last stderr line>".
std::string exit_reason(const run_exit& exit, const std::string& stderr_tail);

// Whitespace runs (newlines included) folded to one space, trimmed, cut at a UTF-8
// boundary to at most `max` bytes with "..." appended when cut.
std::string one_line(std::string_view text, size_t max = 200);
// The last line that is not blank, trimmed ("" if none).
std::string last_line(std::string_view text);
// The last JSON object in `text`: a line that is one object (JSON / JSONL output), or a
// pretty-printed object starting with a "{" line and running to the end.
std::optional<boost::json::object> last_json_object(std::string_view text);
// last_json_object(text) when it is a result object ("type": "result"), else nullopt —
// the final line of the mock agent and of Claude Code's JSON output.
std::optional<boost::json::object> last_result_object(std::string_view text);
// The string at `key`, or "" when absent or not a string.
std::string string_field(const boost::json::object& o, std::string_view key);
// The whole file; errc::io_error naming it when it cannot be read.
expected<std::string> read_prompt(const std::string& path);
// Linux limits one argument to 128 KiB (MAX_ARG_STRLEN); a longer prompt cannot be passed
// on the command line. errc::bad_request saying so, for `cli`.
expected<void> check_argument_size(const std::string& cli, const std::string& text);
// The SWARM_* variables of model_command::env, from the attempt.
std::vector<std::pair<std::string, std::string>> run_env(const model_run& run);

// How one CLI grants the permissions profiles (adapter_options::permissions).
struct permission_flags {
  std::vector<std::string> workdir, full;
  // Every flag of the CLI that sets permissions: one of them in extra_args means the
  // person chose, and the profile adds nothing.
  std::vector<std::string> names;
};
// The profile's flags for this CLI, or none when `extra_args` name one of its flags.
std::vector<std::string> profile_args(const std::string& profile, const permission_flags& f,
                                      const std::vector<std::string>& extra_args);
// The environment of the swarm MCP server for one attempt: SWARM_AGENT (the model's
// agent), then `swarm_env` (SWARM_DB, SWARM_SOCKET). The one place that decides it.
std::vector<std::pair<std::string, std::string>>
mcp_server_env(const model_run& run,
               const std::vector<std::pair<std::string, std::string>>& swarm_env);
// Writes `text` to `path` (created or replaced); errc::io_error naming it.
expected<void> write_run_file(const std::string& path, const std::string& text);

// Base of the CLIs that take the prompt text as an argument (claude, codex, gemini).
class prompt_cli_adapter : public model_adapter {
protected:
  // `cli` names the program in errors and is the default binary.
  prompt_cli_adapter(const char* cli, const adapter_options& opts)
    : cli_(cli), binary_(opts.binary.empty() ? cli : opts.binary), model_(opts.model),
      extra_args_(opts.extra_args), permissions_(opts.permissions),
      swarm_executable_(opts.swarm_executable), swarm_env_(opts.swarm_env) {}

public:
  std::string name() const override { return cli_; }
  bool has_swarm_tools() const override { return !swarm_executable_.empty(); }

protected:
  // Reads the prompt, checks it fits in one argument, and builds
  //   binary, before..., PROMPT, after..., [--model M], extra args...   or, with
  //   prompt_last, binary, before..., after..., [--model M], extra args..., PROMPT.
  // `after` holds the adapter's output flags, its MCP flags and the permission profile's.
  expected<model_command> prompt_command(const model_run& run, std::vector<std::string> before,
                                         std::vector<std::string> after,
                                         bool prompt_last) const;

  std::string cli_, binary_, model_;
  std::vector<std::string> extra_args_;
  std::string permissions_, swarm_executable_;
  std::vector<std::pair<std::string, std::string>> swarm_env_;
};

std::unique_ptr<model_adapter> make_mock_adapter(const adapter_options& opts);
std::unique_ptr<model_adapter> make_command_adapter(command_template tmpl,
                                                    const adapter_options& opts);
std::unique_ptr<model_adapter> make_claude_adapter(const adapter_options& opts);
std::unique_ptr<model_adapter> make_codex_adapter(const adapter_options& opts);
std::unique_ptr<model_adapter> make_gemini_adapter(const adapter_options& opts);

} // namespace detail

} // namespace swarm::harness
