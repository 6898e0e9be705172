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
// plenty for every CLI here).

#include <swarm/error.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
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
  // Judges a finished run from its exit and the tails of its stdout/stderr files: a
  // spawn failure, a timeout or a killing signal decides alone (detail::judge_exit);
  // a process that exited by itself is judged by its output (judge_output).
  model_outcome judge(const model_run& run, const run_exit& exit,
                      const std::string& stdout_tail, const std::string& stderr_tail) const;

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
  // Appended after the adapter's own arguments (claude, codex, gemini, command:). This is
  // where permissions are granted — adapters never do it on their own (see each adapter).
  std::vector<std::string> extra_args;
  // mock only:
  uint32_t min_work_ms = 20, max_work_ms = 120; // simulated work time
  double fail_rate = 0;                         // probability an attempt fails
  uint64_t seed = 0; // mixed with task id and attempt by the mock, so attempts differ
};

// Makes the adapter for a model spec: "mock" | "command:<template>" | "claude" | "codex"
// | "gemini". errc::bad_request naming the spec and the valid ones otherwise, or with the
// template column when a command template does not parse.
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

// Base of the CLIs that take the prompt text as an argument (claude, codex, gemini).
class prompt_cli_adapter : public model_adapter {
protected:
  // `cli` names the program in errors and is the default binary.
  prompt_cli_adapter(const char* cli, const adapter_options& opts)
    : cli_(cli), binary_(opts.binary.empty() ? cli : opts.binary), model_(opts.model),
      extra_args_(opts.extra_args) {}

public:
  std::string name() const override { return cli_; }

protected:
  // Reads the prompt, checks it fits in one argument, and builds
  //   binary, before..., PROMPT, after..., [--model M], extra args...   or, with
  //   prompt_last, binary, before..., after..., [--model M], extra args..., PROMPT.
  expected<model_command> prompt_command(const model_run& run, std::vector<std::string> before,
                                         std::vector<std::string> after,
                                         bool prompt_last) const;

  std::string cli_, binary_, model_;
  std::vector<std::string> extra_args_;
};

std::unique_ptr<model_adapter> make_mock_adapter(const adapter_options& opts);
std::unique_ptr<model_adapter> make_command_adapter(command_template tmpl,
                                                    const adapter_options& opts);
std::unique_ptr<model_adapter> make_claude_adapter(const adapter_options& opts);
std::unique_ptr<model_adapter> make_codex_adapter(const adapter_options& opts);
std::unique_ptr<model_adapter> make_gemini_adapter(const adapter_options& opts);

} // namespace detail

} // namespace swarm::harness
