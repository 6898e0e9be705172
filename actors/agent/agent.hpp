#pragma once
// The AgentHarness actor: the work loop of one agent.
//
//   claim a ready task (parked until one is ready; the queue picks it)
//   -> reserve the task's declared files (plan `files:`) and broadcast
//      agent.intent.announce; other agents' overlapping reservations go into the prompt
//   -> write prompt.md + task.json into .swarm/runs/<task>/<attempt>/ (with the agent's
//      unread mail, pushed by the MailRouter, which is then marked read)
//   -> start the model subprocess (through the adapter, on the shared process runner)
//   -> heartbeat and renew the claim's lease while it runs
//   -> on exit: judge the run, read what it used (tokens, cost), journal it, report
//      completed / failed (with the kind)
//   with isolation "worktree" (agent_config::repo): the model works in a fresh git
//      worktree of the task (made before the prompt); a success is committed, passes
//      the quality gates (agent_config::quality) and is merged through the merge queue
//      before it is reported (a claim the integration branch already holds a commit of
//      is completed without a run)
//   -> broadcast agent.intent.complete and release the reservations -> next task
// It stops when the queue drains, or before its next claim once a journal write of its
// own failed (journal_health.hpp) or the run's budget is spent (harness/run_meter.hpp).
//
// Never blocks a scheduler thread: the runner's I/O thread watches the subprocess and
// sends (run_done_atom, process_result) back. Prompt files are small writes.

#include "actors/coordinator/coordinator.hpp"
#include "actors/mail_router/mail_router.hpp"
#include "actors/memory/memory_store.hpp"
#include "actors/reservations/registry.hpp"
#include "actors/task_queue/task_queue.hpp"
#include "harness/model_adapter.hpp"
#include "harness/model_gate.hpp"
#include "harness/process_runner.hpp"
#include "harness/run_meter.hpp"
#include "quality/snapshot.hpp"
#include "workspace/shared_repo.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace swarm {

using agent_actor = caf::typed_actor<
  // Begins the work loop.
  caf::reacts_to<start_atom>,
  // The run is stopping: claim nothing more. A running model gets SIGTERM, then SIGKILL
  // after the kill grace; a model that still completes counts, any other outcome hands
  // the claim back to the queue (give_back_atom) instead of failing it; a task claimed
  // but not yet started is handed back at once. Then the agent stops.
  caf::reacts_to<stop_atom>,
  // The model subprocess started: (pid, start ticks), or failed to: (0, 0, why).
  caf::reacts_to<spawned_atom, int32_t, int64_t, std::string>,
  // The model subprocess ended.
  caf::reacts_to<run_done_atom, harness::process_result>,
  // Internal timer: heartbeat and lease renewal.
  caf::reacts_to<tick_atom>,
  // Internal timer: claims paused for an unavailable model may resume.
  caf::reacts_to<claim_atom>,
  // New mail for this agent (pushed by the MailRouter after commit): it goes into the
  // next prompt, and is marked read then.
  caf::reacts_to<new_mail_atom, mail_copy>>;

struct agent_config {
  // Name (as registered), model, skills, session, and token: the agent's secret from
  // its registration, which its models get as SWARM_AGENT_TOKEN (`env`, set by
  // actors/engine/run.cpp) so that their tools act as this agent only.
  agent_info profile;
  std::shared_ptr<const harness::model_adapter> adapter;
  std::shared_ptr<harness::process_runner> runner;
  persistence::persistence_actor persistence; // model.started / model.finished
  mail_router_actor mail; // unread mail goes into prompts; may be null
  registry_actor registry; // reserves each task's declared files; may be null
  // Recalls memories relevant to each task into its prompt, and keeps what each run
  // taught (its outcome, the model's LEARNINGS); may be null.
  memory_actor memory;
  uint32_t memory_k = 5; // memories per prompt
  std::string workdir;  // absolute: the model's working directory (isolation "shared")
  // Isolation "worktree": the repository the engine's agents share. Each attempt then
  // works in a worktree of its own (made by the agent's workspace actor,
  // workspace_actor.hpp), and a success is committed and merged before it is reported
  // completed; not merging fails the attempt as merge_conflict. Null: every model works
  // in `workdir`.
  std::shared_ptr<workspace::shared_repo> repo;
  // With repo: the quality gates each success passes before it is merged (a regression
  // fails the attempt as quality_failure, with the report); null: none.
  std::shared_ptr<quality::gate_board> quality;
  std::string runs_dir; // absolute: .swarm/runs
  // The disk guard: while it refuses writes the agent claims nothing (its run
  // directories and records would have no room) and asks again later; may be null.
  std::shared_ptr<const persistence::storage_gate> storage;
  // Added to every model's environment (SWARM_DB, SWARM_SOCKET).
  std::vector<std::pair<std::string, std::string>> env;
  int64_t timeout_ms = 30 * 60'000;
  int64_t stall_timeout_ms = 10 * 60'000; // 0: none (agent_options::stall_timeout)
  // Shared by the agents running the same model: when its CLI cannot reach its service
  // (failure model_unavailable) the attempt is handed back uncounted and claims pause
  // (harness/model_gate.hpp); null: never paused, and model_unavailable is an ordinary
  // failure (handing back uncounted with nothing to pause would retry at once, forever).
  std::shared_ptr<harness::model_gate> gate;
  // The run's usage and budget, shared by every agent of the engine: each model run's
  // usage is added; once the budget is spent the agent claims nothing more (a claim
  // answered meanwhile is handed back) and the one whose run spent it tells the queue to
  // stop claims. Null: nothing summed, no budget.
  std::shared_ptr<harness::run_meter> meter;
  int64_t kill_grace_ms = 5'000;
  uint64_t output_cap_bytes = 10 * 1024 * 1024;
  int64_t heartbeat_us = 30'000'000;
};

agent_actor spawn_agent(caf::actor_system& sys, task_queue_actor queue,
                        coordinator_actor coordinator, agent_config cfg);

} // namespace swarm
