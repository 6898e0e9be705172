#include "actors/coordinator/coordinator.hpp"

#include "actors/coordinator/agent_names.hpp"
#include "actors/credential_board.hpp"
#include "actors/journal_health.hpp"
#include "actors/status_board.hpp"
#include "persistence/credentials.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace swarm {

namespace {

using persistence::now_us;

struct coordinator_state {
  persistence::persistence_actor persistence;
  coordinator_config cfg;
  std::map<std::string, agent_info> agents; // every agent known, by name
  uint64_t names_handed_out = 0;
  event_mail_sink_actor mail_sink; // the MailRouter, told of agent events; may be null
  journal_health health;
  static inline const char* name = "coordinator";
};

using self_ptr = coordinator_actor::stateful_pointer<coordinator_state>;

bool is_outside(const agent_info& a) { return a.session.empty(); }

constexpr const char* who = "coordinator"; // in logs

caf::error refuse_if_broken(self_ptr self) { return self->state.health.refusal(); }

// The live agent `name`, or errc::not_found naming what to do.
expected<agent_info*> find_live(self_ptr self, const std::string& name) {
  auto it = self->state.agents.find(name);
  if (it == self->state.agents.end())
    return make_error(errc::not_found, "no agent '" + name +
                                         "'; register it first with `swarm agent register " +
                                         name + "`");
  if (it->second.state == agent_state::offline)
    return make_error(errc::invalid_state, "agent '" + name +
                                             "' is offline; register it again to rejoin");
  return &it->second;
}

// Mails agent.started / agent.stopped to the followers. Sent after the agent's own
// event was handed to the persistence actor, so it is committed no earlier.
void tell_followers(self_ptr self, const char* type, const agent_info& a,
                    const std::string& what) {
  if (!self->state.mail_sink) return;
  boost::json::object payload{{"agent", a.name}, {"model", a.model}, {"session", a.session}};
  caf::anon_send(self->state.mail_sink, system_mail_atom_v, std::string{type},
                 a.name + " " + what, std::string{}, boost::json::serialize(payload));
}

persistence::event stopped_event(const std::string& name, const std::string& reason) {
  return persistence::make_event(persistence::agent_stopped{name, reason}, now_us());
}

// Every agent known: live ones first, then offline ones (each group by name).
std::vector<agent_info> listing(const coordinator_state& st) {
  std::vector<agent_info> out;
  out.reserve(st.agents.size());
  for (const auto& [name, a] : st.agents)
    if (a.state != agent_state::offline) out.push_back(a);
  for (const auto& [name, a] : st.agents)
    if (a.state == agent_state::offline) out.push_back(a);
  return out;
}

// Publishes the agent list for status; called after every change to an agent, before
// the change is answered.
void publish(self_ptr self) {
  const auto& st = self->state;
  if (!st.cfg.board) return;
  std::vector<agent_status> view;
  for (const auto& a : listing(st))
    view.push_back(to_status(a));
  st.cfg.board->publish(std::move(view));
}

} // namespace

agent_status to_status(const agent_info& a) {
  return agent_status{a.name,      a.model,  a.state,  a.current_task,
                      a.completed, a.failed, a.skills, a.session.empty(),
                      a.pid,       from_us(a.last_heartbeat_us), a.usage};
}

bool is_stale(const agent_info& a, int64_t now, int64_t heartbeat_interval_us) {
  return a.state == agent_state::offline ||
         now - a.last_heartbeat_us > 2 * heartbeat_interval_us;
}

namespace {

// Marks agents silent for two intervals offline, journals it, and asks every release
// hook to return what they held.
void check_stale(self_ptr self) {
  auto& st = self->state;
  if (st.health.refusal())
    return;
  const auto now = now_us();
  const auto limit = 2 * st.cfg.heartbeat_interval_us;
  std::vector<persistence::event> events;
  std::vector<std::string> lost;
  std::vector<agent_info> stale_agents;
  for (auto& [name, a] : st.agents) {
    if (a.state == agent_state::offline ||
        !is_stale(a, now, st.cfg.heartbeat_interval_us))
      continue;
    auto reason = "stale: no heartbeat for " + std::to_string((now - a.last_heartbeat_us) / 1000) +
                  " ms (limit " + std::to_string(limit / 1000) + " ms)";
    spdlog::warn("agent {} is {}; returning its work", name, reason);
    a.state = agent_state::offline;
    a.current_task.clear();
    a.pid = 0;
    events.push_back(stopped_event(name, reason));
    lost.push_back(name);
    stale_agents.push_back(a);
  }
  if (lost.empty())
    return;
  publish(self);
  const auto after_journal = [self, stale_agents] {
    for (const auto& a : stale_agents)
      tell_followers(self, "agent.stopped", a, "stopped: went stale (no heartbeat)");
  };
  // The stop is journaled before the hooks' releases (same sender, same order).
  journal_async(self, who, std::move(events));
  after_journal();
  for (auto& hook : st.cfg.release_hooks)
    caf::anon_send(hook, recover_atom_v, lost,
                   std::string{"agent lost: no heartbeat for two intervals"});
}

coordinator_actor::behavior_type coordinator_impl(self_ptr self,
                                                  persistence::persistence_actor persistence,
                                                  coordinator_config cfg) {
  auto& st = self->state;
  st.persistence = std::move(persistence);
  st.cfg = std::move(cfg);
  st.health.read_only = st.cfg.read_only;
  st.health.storage = st.cfg.storage;
  for (const auto& a : st.cfg.earlier) {
    st.agents[a.name] = a;
    if (st.cfg.credentials) st.cfg.credentials->publish(a.name, a.token_hash);
  }
  publish(self);
  auto tick = std::chrono::microseconds(
    std::max<int64_t>(20'000, st.cfg.heartbeat_interval_us / 4));
  self->delayed_send(self, tick, tick_atom_v);
  return {
    [=](register_atom, agent_info& a) -> caf::result<agent_info> {
      if (auto err = refuse_if_broken(self))
        return err;
      auto& agents = self->state.agents;
      if (a.name.empty()) {
        a.name = generate_agent_name(self->state.cfg.seed + self->state.names_handed_out++,
                                     [&](const std::string& n) { return agents.count(n) > 0; });
      } else if (auto why = invalid_agent_name(a.name)) {
        return to_caf(errc::bad_request, *why);
      }
      if (auto it = agents.find(a.name);
          it != agents.end() && it->second.state != agent_state::offline &&
          !is_outside(it->second) && it->second.session == self->state.cfg.session)
        return to_caf(errc::invalid_state,
                      "agent '" + a.name + "' is already running in this engine");
      auto token = make_token();
      if (!token)
        return to_caf(token.error());
      a.token_hash = token_hash(*token);
      a.token.clear();
      auto& slot = agents[a.name];
      a.state = agent_state::idle;
      a.current_task.clear();
      a.pid = 0;
      a.last_heartbeat_us = now_us();
      a.completed = slot.completed;
      a.failed = slot.failed;
      a.usage = slot.usage;
      slot = a;
      publish(self);
      if (self->state.cfg.credentials)
        self->state.cfg.credentials->publish(a.name, a.token_hash);
      auto e = persistence::make_event(
        persistence::agent_registered{a.name, a.session, a.model, a.skills, a.token_hash},
        a.last_heartbeat_us);
      a.token = std::move(*token); // in the reply only
      auto rp = self->make_response_promise<agent_info>();
      commit_then(self, who, {std::move(e)}, rp, a);
      tell_followers(self, "agent.started", a,
                     "started" + (a.model.empty() ? std::string{} : " (model " + a.model + ")"));
      return rp;
    },
    [=](agent_state_atom, const std::string& name, agent_state state,
        const std::string& task_id, int32_t pid) {
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end() || it->second.state == agent_state::offline)
        return;
      it->second.state = state;
      it->second.current_task = task_id;
      it->second.pid = pid;
      it->second.last_heartbeat_us = now_us();
      publish(self);
    },
    [=](set_state_atom, const std::string& name,
        agent_state state) -> caf::result<agent_info> {
      if (auto err = refuse_if_broken(self))
        return err;
      if (state == agent_state::offline)
        return to_caf(errc::bad_request, std::string{"agent state '"} + to_string(state) +
                                           "' is not one of running, stuck, idle");
      auto a = find_live(self, name);
      if (!a)
        return to_caf(a.error());
      auto& agent = **a;
      agent.state = state;
      agent.last_heartbeat_us = now_us();
      publish(self);
      if (!is_outside(agent))
        return agent;
      auto rp = self->make_response_promise<agent_info>();
      commit_then(self, who,
                  {persistence::make_event(
                    persistence::agent_state_changed{name, to_string(state), agent.current_task},
                    agent.last_heartbeat_us)},
                  rp, agent);
      return rp;
    },
    [=](heartbeat_atom, const std::string& name) -> caf::result<agent_info> {
      auto a = find_live(self, name);
      if (!a)
        return to_caf(a.error());
      auto& agent = **a;
      if (self->state.health.read_only)
        return agent; // a reader answers, and changes nothing
      if (auto err = refuse_if_broken(self))
        return err;
      agent.last_heartbeat_us = now_us();
      publish(self);
      if (!is_outside(agent))
        return agent; // in-process agents' heartbeats stay in memory
      auto rp = self->make_response_promise<agent_info>();
      commit_then(self, who,
                  {persistence::make_event(persistence::agent_heartbeat{name},
                                           agent.last_heartbeat_us)},
                  rp, agent);
      return rp;
    },
    [=](complete_atom, const std::string& name, bool completed) {
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end())
        return;
      ++(completed ? it->second.completed : it->second.failed);
      publish(self);
    },
    [=](usage_atom, const std::string& name, const model_usage& u) {
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end())
        return;
      add_usage(it->second.usage, u);
      publish(self);
    },
    [=](stop_atom, const std::string& name, const std::string& reason) -> caf::result<bool> {
      if (auto err = refuse_if_broken(self))
        return err;
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end())
        return to_caf(errc::not_found, "no agent '" + name + "'");
      it->second.state = agent_state::offline;
      it->second.current_task.clear();
      it->second.pid = 0;
      publish(self);
      auto rp = self->make_response_promise<bool>();
      commit_then(self, who, {stopped_event(name, reason)}, rp, true);
      tell_followers(self, "agent.stopped", it->second, "stopped: " + reason);
      return rp;
    },
    [=](list_atom) -> std::vector<agent_info> { return listing(self->state); },
    [=](mail_sink_atom, event_mail_sink_actor& sink) {
      self->state.mail_sink = std::move(sink);
    },
    [=](tick_atom) {
      check_stale(self);
      self->delayed_send(self, tick, tick_atom_v);
    },
  };
}

} // namespace

coordinator_actor spawn_coordinator(caf::actor_system& sys,
                                    persistence::persistence_actor persistence,
                                    coordinator_config cfg) {
  return sys.spawn(coordinator_impl, std::move(persistence), std::move(cfg));
}

} // namespace swarm
