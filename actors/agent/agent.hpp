#pragma once
// An agent actor: the work loop for one agent — claim a ready task (parking until one
// is ready), run the model, report the outcome, repeat; stop when the queue drains.
//
// In this version the model is the in-process simulated one (harness/simulated_model),
// run as a timer so no scheduler thread ever blocks. The harness issue replaces
// `run_model` with a subprocess adapter; the claim/report protocol stays.

#include "actors/coordinator/coordinator.hpp"
#include "actors/task_queue/task_queue.hpp"
#include "harness/simulated_model.hpp"

namespace swarm {

using agent_actor = caf::typed_actor<
  // Begins the work loop.
  caf::reacts_to<start_atom>,
  // The model finished a task: (task, success, summary).
  caf::reacts_to<work_done_atom, task, bool, std::string>>;

struct agent_config {
  agent_info profile;
  harness::simulated_model_options model;
  uint64_t seed = 1;
  std::string session; // the engine session hosting the agent (marks its claims)
};

agent_actor spawn_agent(caf::actor_system& sys, task_queue_actor queue,
                        coordinator_actor coordinator, agent_config cfg);

} // namespace swarm
