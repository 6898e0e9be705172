#pragma once
// Options for opening an engine and adding agents. The CLI's flags map onto these one
// to one.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace swarm {

struct options {
  // ---- behaviour
  // The database; its directory also holds the lock file and the control socket.
  std::string db_path = ".swarm/swarm.db";
  // Id prefix for root tasks of plans that name none ("sw-a3f8").
  std::string prefix = "sw";
  // Task levels allowed, a root being level 1 ("sw-a3f8.1.2" is 3); deeper plans and
  // added tasks are refused. 8 is deeper than any plan a person reads; 0: no limit.
  uint32_t max_depth = 8;
  // How agents get tasks (see claim_strategy): best-fit gives a specialist the work
  // that needs its skills and leaves generic tasks to others.
  claim_strategy strategy = claim_strategy::best_fit;
  // Attempts before a task fails for good: 3 rides out a flaky model without looping.
  uint32_t max_attempts = 3;
  // A claim lives this long unless renewed; 5 min outlasts a heartbeat gap.
  std::chrono::milliseconds lease_ttl = std::chrono::minutes{5};
  // Agents heartbeat this often; one silent for two intervals is stale and its work
  // returns to the queue.
  std::chrono::milliseconds heartbeat = std::chrono::seconds{30};
  // A failed attempt is retried after this, doubling per further attempt (max 60 s);
  // 0 retries at once. Lost claims (lease expired, agent gone) are retried at once.
  std::chrono::milliseconds retry_backoff = std::chrono::seconds{1};
  // Open to answer queries only: the database is read through WAL without the writer
  // lock (so it works beside a running engine and never stops one from starting), as
  // a snapshot taken at open; every state-changing call fails with
  // errc::invalid_state. The CLI sets it for read commands (`swarm status`, `tasks`).
  bool inspect_only = false;
  // Control socket path; empty means "<db directory>/control.sock".
  std::string control_socket;
  // How memories are embedded. Empty: the embedder the database already uses (the
  // built-in one for a new database). Otherwise one of
  //   "builtin" | "builtin:<dimension>"  offline feature hashing (the default, 384)
  //   "command:<template>"               a command (no shell): text on stdin, a JSON
  //                                      vector on stdout
  //   "http://host:port/v1/embeddings"   an OpenAI-compatible endpoint (https too)
  // The choice is stored in the database; choosing another embedder re-embeds every
  // memory (journaled) before the first memory request is answered.
  std::string embedder;
  std::string embedder_model = "text-embedding-3-small"; // HTTP: the "model" sent
  // HTTP: the environment variable holding the API key; empty: SWARM_EMBEDDER_API_KEY,
  // then OPENAI_API_KEY. The key itself is never stored.
  std::string embedder_key_env;
  // A run claims no new task once it spent this many US dollars, as its models' CLIs
  // report cost (claude does; codex, gemini and the mock report none, so their runs
  // never reach it); running attempts finish. A run that resumes a crashed, stopped or
  // budget-ended one counts what those spent. 0: no limit.
  double budget_usd = 0;
  // Run directories (<db directory>/runs/<task>/: each attempt's prompt, output and
  // usage) kept of finished tasks (completed, failed, cancelled), the most recently
  // written first; older ones are removed when a run starts, as it goes and when it
  // ends, as `swarm gc` does (engine::collect_runs). About 32 KB per attempt. 0: keep them all.
  uint32_t keep_runs = 1000;

  // ---- performance
  // fsync every commit (survives power loss) instead of WAL's synchronous=NORMAL
  // (survives a process crash, which is what an engine must never lose to): off.
  bool sync_full = false;
  // CAF scheduler threads; 0 = one per core.
  uint32_t worker_threads = 0;
};

// One quality gate check (swarm.toml [quality.<name>]): a command run in each task's
// worktree after its model succeeded, and how its outcome is read. A task whose checks
// got worse than the baseline's fails as quality_failure and is not merged.
struct quality_check {
  std::string name;    // letters, digits, '-' and '_'
  std::string command; // a shell command line (sh -c), run in the worktree
  // How its output is read besides the exit code: exit, junit, ctest, pytest, tap,
  // eslint, gcc, clang or tsc.
  std::string format = "exit";
  // format junit: the XML files the command writes (a directory: its *.xml files),
  // relative to the worktree.
  std::vector<std::string> junit;
  std::chrono::milliseconds timeout = std::chrono::minutes{30};
  // More errors (warnings) than the baseline's beyond these are a regression; 0: any new
  // one is.
  uint32_t allowed_new_errors = 0;
  uint32_t allowed_new_warnings = 0;
};

// errc::bad_request naming the check and the field when `c` cannot run as it says
// (an empty command, an unknown format, junit files without format junit, ...).
SWARM_API expected<void> validate(const quality_check& c);

struct agent_options {
  // The model each agent runs as a subprocess:
  //   "mock"               swarm-mock-agent, the built-in simulated coding agent (no API
  //                        keys): works a random time, edits the task's files, may fail;
  //   "command:<template>" any command; placeholders {prompt_file} {task_id} {agent}
  //                        {workdir} {run_dir} {attempt}; no shell is involved;
  //   "claude", "codex", "gemini"  the real CLIs in their non-interactive modes.
  std::string model = "mock";
  std::string model_binary;            // overrides the CLI's path (or the mock's)
  std::string model_name;              // passed to the CLI as --model when set
  std::vector<std::string> model_args; // appended to the CLI's arguments
  // What claude, codex and gemini may do without asking, mapped to each CLI's own flags
  // (passed before model_args, which may override them):
  //   "workdir"  edit files in the working directory and use the swarm tools (default:
  //              a coding agent that may not edit cannot do its task);
  //   "none"     only the swarm tools; otherwise the CLI's defaults (their
  //              non-interactive modes then refuse edits and shell commands);
  //   "full"     every tool without asking (claude --dangerously-skip-permissions,
  //              codex --dangerously-bypass-approvals-and-sandbox, gemini --yolo):
  //              only inside a sandbox.
  std::string permissions = "workdir";
  // The swarm executable each claude, codex and gemini model gets as its "swarm" MCP
  // server (`<it> mcp`, configured in the run directory); empty: no MCP server. `swarm
  // run` and `swarm serve` set it to themselves.
  std::string swarm_executable;
  std::vector<std::string> skills;
  // Names for the agents, used in order; agents beyond them get generated names
  // ("brave-otter").
  std::vector<std::string> names;
  // Where models work (their current directory); empty: the current directory.
  std::string workdir;
  // Where each attempt works:
  //   "shared"    in `workdir`, every model among the same files (reservations keep
  //               them apart, advisorily);
  //   "worktree"  in a git worktree of its own (`workdir` must be inside a git
  //               repository): branch swarm/<agent>/<task> from the integration
  //               branch's tip. When the model succeeds its work is committed there and
  //               merged into the integration branch by one queue, a merge at a time;
  //               the task completes only once merged. A conflict fails the attempt as
  //               merge_conflict, naming the files and the tasks that changed them
  //               first; the retry starts from the new tip. At start an interrupted
  //               merge is finished and what a crash left behind is cleaned.
  std::string isolation = "shared";
  // worktree: the branch work is merged into; empty: the branch checked out in workdir.
  std::string integration_branch;
  // worktree: "rebase" (linear history: the task's commit on top of the tip) or
  // "merge" (a merge commit per task).
  std::string merge_strategy = "rebase";
  // worktree: failed attempts' worktrees kept for inspection, the newest; older ones
  // are removed with their branches. 0: none kept.
  uint32_t keep_failed = 10;
  // worktree: the quality gates, run in order in each task's worktree once its model
  // succeeded, against a baseline taken at start on the integration branch's tip. A
  // regression (a check that passed now fails, a new failing test, more errors or
  // warnings than allowed) fails the attempt as quality_failure, with the report of
  // what got worse in the retry prompt, and nothing is merged. Empty: no gates.
  std::vector<quality_check> quality_checks;
  // Per attempt: SIGTERM to the model's process group after this, SIGKILL after the
  // grace. 30 min.
  std::chrono::milliseconds timeout = std::chrono::minutes{30};
  std::chrono::milliseconds kill_grace = std::chrono::seconds{5};
  // Per attempt: a model that writes nothing at all (stdout or stderr) for this long is
  // stopped like at the timeout, failure kind model_stalled. 10 min outlasts a quiet
  // build; 0: no limit.
  std::chrono::milliseconds stall_timeout = std::chrono::minutes{10};
  // When a model's CLI says it cannot reach its service (not logged in, no API key,
  // offline, rate limited), the attempt is handed back uncounted (model_unavailable) and
  // these agents claim nothing for this long, doubling per repeat up to the max: 30 s
  // rides out a blip, 10 min keeps probing a long outage without burning tasks.
  std::chrono::milliseconds unavailable_backoff = std::chrono::seconds{30};
  std::chrono::milliseconds unavailable_backoff_max = std::chrono::minutes{10};
  // Per stream, a run directory keeps the last this-many bytes of the model's output.
  uint64_t output_cap_bytes = 10 * 1024 * 1024;
  // mock model: work time range and failure probability per attempt.
  std::chrono::milliseconds min_work{20};
  std::chrono::milliseconds max_work{120};
  double fail_rate = 0.0;
  // mock model: seed; mixed with task id and attempt so attempts differ.
  uint64_t seed = 42;
};

} // namespace swarm
