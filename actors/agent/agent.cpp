#include "actors/agent/agent.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

namespace swarm {

namespace {

// Requests to the task queue carry no timer: the queue is a local actor that answers
// every request (a parked claim within its park limit) or dies, and a dead receiver
// fails the request at once. A timer per request costs a trip through CAF's clock
// thread, which the claim benchmark showed to be a third of the throughput.
constexpr auto queue_timeout = caf::infinite;
constexpr auto report_timeout = std::chrono::minutes(1);

struct agent_state {
  task_queue_actor queue;
  coordinator_actor coordinator;
  agent_config cfg;
  std::unique_ptr<harness::simulated_model> model;
  static inline const char* name = "agent";
};

using self_ptr = agent_actor::stateful_pointer<agent_state>;

void stop(self_ptr self, const std::string& reason) {
  self->request(self->state.coordinator, report_timeout, stop_atom_v,
                self->state.cfg.profile.name, reason)
    .then([self](bool) { self->quit(); },
          [self](caf::error&) { self->quit(); });
}

void claim_next(self_ptr self) {
  const auto& name = self->state.cfg.profile.name;
  self->request(self->state.queue, queue_timeout, claim_atom_v,
                claim_request{name, true, self->state.cfg.session})
    .then(
      [self](claim_result& r) {
        if (r.claimed) {
          self->send(self->state.coordinator, agent_state_atom_v,
                     self->state.cfg.profile.name, std::string{"busy"}, r.t.spec.id,
                     int32_t{0});
          auto outcome = self->state.model->run(r.t.spec.title);
          self->delayed_send(self, std::chrono::milliseconds(outcome.work_ms),
                             work_done_atom_v, std::move(r.t), outcome.success,
                             std::move(outcome.summary));
        } else if (r.drained) {
          stop(self, "queue drained");
        } else {
          claim_next(self);
        }
      },
      [self](caf::error& err) {
        auto e = from_caf(err);
        if (e.code == errc::timeout) {
          claim_next(self);
          return;
        }
        spdlog::error("agent {}: claim failed: {}", self->state.cfg.profile.name,
                      e.to_string());
        stop(self, "claim failed: " + e.message);
      });
}

agent_actor::behavior_type agent_impl(self_ptr self, task_queue_actor queue,
                                      coordinator_actor coordinator, agent_config cfg) {
  self->state.queue = std::move(queue);
  self->state.coordinator = std::move(coordinator);
  self->state.model = std::make_unique<harness::simulated_model>(cfg.model, cfg.seed);
  self->state.cfg = std::move(cfg);
  return {
    [=](start_atom) { claim_next(self); },
    [=](work_done_atom, const task& t, bool success, const std::string& summary) {
      const auto& name = self->state.cfg.profile.name;
      task_report report{t.spec.id, name, t.attempts, summary};
      auto on_reply = [self, success, id = t.spec.id](task&) {
        self->send(self->state.coordinator, complete_atom_v, self->state.cfg.profile.name,
                   success);
        self->send(self->state.coordinator, agent_state_atom_v,
                   self->state.cfg.profile.name, std::string{"idle"}, std::string{},
                   int32_t{0});
        claim_next(self);
      };
      auto on_error = [self, id = t.spec.id](caf::error& err) {
        // Typically the lease expired and the task went to someone else: move on.
        spdlog::warn("agent {}: report on {} refused: {}", self->state.cfg.profile.name, id,
                     from_caf(err).to_string());
        claim_next(self);
      };
      if (success)
        self->request(self->state.queue, queue_timeout, complete_atom_v, report)
          .then(on_reply, on_error);
      else
        self->request(self->state.queue, queue_timeout, fail_atom_v, report)
          .then(on_reply, on_error);
    },
  };
}

} // namespace

agent_actor spawn_agent(caf::actor_system& sys, task_queue_actor queue,
                        coordinator_actor coordinator, agent_config cfg) {
  return sys.spawn(agent_impl, std::move(queue), std::move(coordinator), std::move(cfg));
}

} // namespace swarm
