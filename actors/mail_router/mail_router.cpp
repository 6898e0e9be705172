#include "actors/mail_router/mail_router.hpp"

#include "actors/journal_health.hpp"
#include "actors/mail_router/mailbox.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>

namespace swarm {

namespace {

using persistence::now_us;

constexpr auto ask_timeout = std::chrono::seconds(30);

struct mail_router_state {
  persistence::persistence_actor persistence;
  coordinator_actor coordinator;
  std::shared_ptr<mailbox> box;
  mail_router_config cfg;
  journal_health health;
  std::unordered_map<std::string, new_mail_subscriber_actor> subscribers; // agent -> who
  uint64_t next_write = 1; // the sequence number of the next journal write (mailbox.hpp)

  static inline const char* name = "mail-router";
};

using self_ptr = mail_router_actor::stateful_pointer<mail_router_state>;

caf::error refuse_if_broken(self_ptr self) {
  return self->state.health.refusal();
}

// Journals the change the mailbox holds as write `seq` (journal_overlaid).
template <class F>
void journal_change(self_ptr self, uint64_t seq, persistence::event e, F then) {
  journal_overlaid(self, "mail router", *self->state.box, seq, {std::move(e)}, std::move(then));
}

// Tells subscribed recipients of `m` once it is committed: a barrier request queued
// behind the message's append answers after that commit (and after the append's own
// answer: a failed write has marked the router broken by then, and nobody is told).
// A low-importance broadcast (an agent's intent: which files it reserves, and when it
// is done) is not pushed: it waits in the inboxes. The subscribers are the engine's
// agents, whose prompts list the live reservations themselves; pushed, every agent
// would take in, and mark read, every other agent's intents: N^2 in a swarm of N.
void push_after_commit(self_ptr self, const mail_message& m) {
  if (m.broadcast && m.importance == mail_importance::low) return;
  std::vector<std::pair<new_mail_subscriber_actor, mail_copy>> pushes;
  for (const auto& [agent, who] : self->state.subscribers) {
    if (!self->state.box->reaches(m, agent)) continue;
    mail_copy c;
    c.m = self->state.box->view(m, agent);
    c.recipient = agent;
    pushes.emplace_back(who, std::move(c));
  }
  if (pushes.empty()) return;
  self->request(self->state.persistence, caf::infinite, persistence::sync_atom_v)
      .then(
          [self, pushes = std::move(pushes)](int64_t) {
            if (self->state.health.broken) return;
            for (const auto& [who, copy] : pushes)
              caf::anon_send(who, new_mail_atom_v, copy);
          },
          [](caf::error&) {});
}

// Checks the draft against the registry, stores it and answers after commit.
void send(self_ptr self, mail_draft d, caf::typed_response_promise<mail_message> rp) {
  self->request(self->state.coordinator, ask_timeout, list_atom_v)
      .then(
          [self, d = std::move(d), rp](std::vector<agent_info>& known) mutable {
            if (auto err = refuse_if_broken(self)) {
              rp.deliver(err);
              return;
            }
            std::set<std::string> agents;
            for (const auto& a : known)
              agents.insert(a.name);
            auto m = self->state.box->prepare(std::move(d), agents, now_us());
            if (!m) {
              rp.deliver(to_caf(m.error()));
              return;
            }
            const uint64_t seq = self->state.next_write++;
            auto joined = self->state.box->store(*m, seq, agents);
            const mail_message stored = *m;
            journal_change(self, seq, mail_sent_event(stored, std::move(joined)),
                           deliver_after(rp, std::move(*m)));
            push_after_commit(self, stored); // its barrier queues behind the append
          },
          [rp](caf::error& err) mutable { rp.deliver(err); });
}

// Stores and journals one of the engine's own messages; dropped when it has nobody to
// go to.
void send_system(self_ptr self, std::string type, std::string subject, std::string body,
                 std::string payload, const std::vector<std::string>& also_to) {
  if (refuse_if_broken(self)) return;
  auto m = self->state.box->prepare_system(std::move(type), std::move(subject),
                                           std::move(body), std::move(payload), now_us(),
                                           also_to);
  if (!m) return;
  const uint64_t seq = self->state.next_write++;
  self->state.box->store(*m, seq);
  journal_change(self, seq, mail_sent_event(*m), [](const caf::error&) {});
  push_after_commit(self, *m);
}

mail_router_actor::behavior_type
mail_router_impl(self_ptr self, persistence::persistence_actor persistence,
                 coordinator_actor coordinator, std::shared_ptr<mailbox> box,
                 mail_router_config cfg) {
  self->state.persistence = std::move(persistence);
  self->state.coordinator = std::move(coordinator);
  self->state.box = std::move(box);
  self->state.cfg = cfg;
  self->state.health.read_only = cfg.read_only;
  self->state.health.storage = cfg.storage;
  return {
      [=](mail_send_atom, mail_draft& d) -> caf::result<mail_message> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<mail_message>();
        send(self, std::move(d), rp);
        return rp;
      },
      [=](mail_reply_atom, const std::string& original, const std::string& from,
          std::string& body) -> caf::result<mail_message> {
        if (auto err = refuse_if_broken(self)) return err;
        auto d = self->state.box->reply_draft(original, from, std::move(body));
        if (!d) return to_caf(d.error());
        auto rp = self->make_response_promise<mail_message>();
        send(self, std::move(*d), rp);
        return rp;
      },
      [=](inbox_atom, const std::string& agent,
          const inbox_filter& f) -> caf::result<std::vector<mail_copy>> {
        auto r = self->state.box->inbox(agent, f);
        if (!r) return to_caf(r.error());
        return std::move(*r);
      },
      [=](mark_atom, const std::string& agent, const std::string& id,
          bool ack) -> caf::result<mail_copy> {
        if (auto err = refuse_if_broken(self)) return err;
        bool changed = false;
        const auto now = now_us();
        const uint64_t seq = self->state.next_write;
        auto c = self->state.box->mark(agent, id, ack, now, seq, changed);
        if (!c) return to_caf(c.error());
        if (!changed) return std::move(*c);
        ++self->state.next_write;
        auto rp = self->make_response_promise<mail_copy>();
        journal_change(self, seq, mail_marked_event(id, agent, ack, now),
                       deliver_after(rp, std::move(*c)));
        return rp;
      },
      [=](thread_atom, const std::string& id,
          const std::string& viewer) -> caf::result<std::vector<mail_message>> {
        auto r = self->state.box->thread(id, viewer);
        if (!r) return to_caf(r.error());
        return std::move(*r);
      },
      [=](unacked_atom, int64_t before_us) -> caf::result<std::vector<mail_copy>> {
        auto r = self->state.box->unacked_before(before_us);
        if (!r) return to_caf(r.error());
        return std::move(*r);
      },
      [=](subscribe_atom, const std::string& agent, new_mail_subscriber_actor& who) {
        self->state.subscribers[agent] = std::move(who);
      },
      [=](follow_atom, const std::string& agent, bool on) -> caf::result<bool> {
        if (auto err = refuse_if_broken(self)) return err;
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.coordinator, ask_timeout, list_atom_v)
            .then(
                [self, agent, on, rp](std::vector<agent_info>& known) mutable {
                  const bool registered =
                      std::any_of(known.begin(), known.end(),
                                  [&](const agent_info& a) { return a.name == agent; });
                  if (!registered) {
                    rp.deliver(to_caf(errc::not_found,
                                      "'" + agent +
                                          "' is not a registered agent; register "
                                          "it with `swarm agent register " +
                                          agent + "`"));
                    return;
                  }
                  if (!self->state.box->follow(agent, on)) {
                    rp.deliver(false);
                    return;
                  }
                  commit_then(self, "mail router",
                              {persistence::make_event(
                                  persistence::mail_followed{agent, on}, now_us())},
                              rp, true);
                },
                [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](system_mail_atom, std::string& type, std::string& subject, std::string& body,
          std::string& payload) {
        send_system(self, std::move(type), std::move(subject), std::move(body),
                    std::move(payload), {});
      },
      [=](notify_atom, std::string& type, std::string& subject, std::string& body,
          std::string& payload, const std::vector<std::string>& to) {
        send_system(self, std::move(type), std::move(subject), std::move(body),
                    std::move(payload), to);
      },
  };
}

} // namespace

mail_router_actor spawn_mail_router(caf::actor_system& sys,
                                    persistence::persistence_actor persistence,
                                    coordinator_actor coordinator,
                                    std::shared_ptr<mailbox> box,
                                    mail_router_config cfg) {
  return sys.spawn(mail_router_impl, std::move(persistence), std::move(coordinator),
                   std::move(box), cfg);
}

} // namespace swarm
