// The engine's agent API and status: each call asks the Coordinator (see
// coordinator.hpp); an outside agent's current task comes from the TaskQueue. Status
// reads the status board the two publish to.

#include "actors/engine/engine_impl.hpp"

#include <map>

namespace swarm {

// No actor round trip: the queue and the coordinator publish what status shows
// (status_board.hpp).
expected<status_report> engine::status() {
  status_report out;
  out.tasks = impl_->board->counts();
  out.agents = impl_->board->agents();
  out.run_state = impl_->run_state.load();
  out.session = impl_->session;
  for (const auto& a : out.agents)
    add_usage(out.usage, a.usage);
  if (impl_->meter->limited() && !impl_->meter->run().empty())
    out.budget = impl_->meter->budget();
  return out;
}

expected<std::vector<agent_status>> engine::agents() {
  auto r = impl_->ask<std::vector<agent_info>>(impl_->coordinator, list_atom_v);
  if (!r)
    return r.error();
  // An outside agent's current task is the one it holds a claim on (its claims are
  // journaled with the tasks; the registry does not see them).
  std::map<std::string, std::string> held;
  if (auto claimed = impl_->ask<std::vector<task>>(impl_->queue, list_atom_v,
                                                   task_filter{false, {}, true}))
    for (const auto& t : *claimed)
      if (t.claim_session.empty())
        held.emplace(t.claimed_by, t.spec.id);
  std::vector<agent_status> out;
  for (const auto& a : *r) {
    out.push_back(to_status(a));
    auto& s = out.back();
    if (s.outside && s.current_task.empty() && s.state != agent_state::offline)
      if (auto it = held.find(s.name); it != held.end())
        s.current_task = it->second;
  }
  return out;
}

expected<agent_status> engine::register_agent(const std::string& name,
                                              const std::vector<std::string>& skills,
                                              const std::string& model) {
  agent_info a;
  a.name = name;
  a.skills = skills;
  a.model = model.empty() ? std::string{"outside"} : model;
  auto r = impl_->ask<agent_info>(impl_->coordinator, register_atom_v, std::move(a));
  if (!r)
    return r.error();
  auto out = to_status(*r);
  out.token = std::move(r->token); // shown this once
  return out;
}

expected<agent_status> engine::heartbeat(const std::string& name) {
  auto r = impl_->ask<agent_info>(impl_->coordinator, heartbeat_atom_v, name);
  if (!r)
    return r.error();
  return to_status(*r);
}

expected<agent_status> engine::set_agent_state(const std::string& name,
                                               agent_state state) {
  auto r = impl_->ask<agent_info>(impl_->coordinator, set_state_atom_v, name, state);
  if (!r)
    return r.error();
  return to_status(*r);
}

} // namespace swarm
