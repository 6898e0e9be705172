#include "actors/coordinator/coordinator.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <map>

namespace swarm {

namespace {

using persistence::event_kind;

constexpr auto journal_timeout = std::chrono::minutes(1);

struct coordinator_state {
  persistence::persistence_actor persistence;
  coordinator_config cfg;
  std::map<std::string, agent_info> agents; // this session's, by name
  static inline const char* name = "coordinator";
};

using self_ptr = coordinator_actor::stateful_pointer<coordinator_state>;

template <class T>
void journal_then_deliver(self_ptr self, persistence::event e,
                          caf::typed_response_promise<T> rp, T value) {
  self->request(self->state.persistence, journal_timeout, persistence::append_atom_v,
                persistence::event_batch{{std::move(e)}})
    .then([rp, value](int64_t) mutable { rp.deliver(value); },
          [rp](caf::error& err) mutable { rp.deliver(err); });
}

coordinator_actor::behavior_type coordinator_impl(self_ptr self,
                                                  persistence::persistence_actor persistence,
                                                  coordinator_config cfg) {
  self->state.persistence = std::move(persistence);
  self->state.cfg = std::move(cfg);
  return {
    [=](register_atom, agent_info& a) -> caf::result<agent_info> {
      if (a.name.empty())
        return to_caf(errc::bad_request, "an agent needs a name");
      a.state = "idle";
      a.current_task.clear();
      self->state.agents[a.name] = a;
      boost::json::array skills;
      for (const auto& s : a.skills)
        skills.emplace_back(s);
      auto e = persistence::make_event(event_kind::agent_registered,
                                       boost::json::object{{"name", a.name},
                                                           {"session", self->state.cfg.session},
                                                           {"model", a.model},
                                                           {"skills", std::move(skills)}},
                                       persistence::now_us());
      auto rp = self->make_response_promise<agent_info>();
      journal_then_deliver(self, std::move(e), rp, a);
      return rp;
    },
    [=](agent_state_atom, const std::string& name, const std::string& state,
        const std::string& task_id) {
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end())
        return;
      it->second.state = state;
      it->second.current_task = task_id;
    },
    [=](complete_atom, const std::string& name, bool completed) {
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end())
        return;
      ++(completed ? it->second.completed : it->second.failed);
    },
    [=](stop_atom, const std::string& name, const std::string& reason) -> caf::result<bool> {
      auto it = self->state.agents.find(name);
      if (it == self->state.agents.end())
        return to_caf(errc::not_found, "no agent '" + name + "' in this session");
      it->second.state = "offline";
      it->second.current_task.clear();
      auto e = persistence::make_event(event_kind::agent_stopped,
                                       boost::json::object{{"name", name}, {"reason", reason}},
                                       persistence::now_us());
      auto rp = self->make_response_promise<bool>();
      journal_then_deliver(self, std::move(e), rp, true);
      return rp;
    },
    [=](list_atom) -> std::vector<agent_info> {
      std::vector<agent_info> out;
      for (const auto& [name, a] : self->state.agents)
        out.push_back(a);
      for (const auto& a : self->state.cfg.earlier_agents)
        if (self->state.agents.count(a.name) == 0)
          out.push_back(a);
      return out;
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
