#include "actors/task_queue/task_queue.hpp"

#include "actors/journal_health.hpp"
#include "actors/status_board.hpp"
#include "actors/task_queue/graph_analytics.hpp"
#include "actors/task_queue/task_graph.hpp"
#include "actors/task_queue/task_listing.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <set>
#include <unordered_map>

namespace swarm {

namespace {

using persistence::event;
using persistence::event_kind;
using persistence::now_us;

constexpr auto journal_timeout = std::chrono::minutes(10);
constexpr auto tick_interval = std::chrono::milliseconds(100);

struct parked_claim {
  claim_request req;
  int64_t since_us = 0;
  caf::typed_response_promise<claim_result> promise;
};

// What the strategies know of an agent beyond its request.
struct agent_record {
  uint64_t completed = 0;   // completions reported to this queue
  uint64_t last_served = 0; // decision number of its last claim; 0 = never
};

// What to do once a journal batch committed (empty error) or failed.
using continuation = std::function<void(const caf::error&)>;

// Events waiting to be sent to the persistence actor, and their continuations.
struct journal_outbox {
  std::vector<event> events;
  std::vector<continuation> then;
  bool flush_scheduled = false;
};

struct task_queue_state {
  std::shared_ptr<task_graph> graph;
  persistence::persistence_actor persistence;
  task_queue_config cfg;
  std::deque<parked_claim> parked;
  std::unordered_map<std::string, agent_record> agents;
  uint64_t decisions = 0;  // claims handed out (round-robin turns)
  uint32_t run_agents = 0; // in-process agents of the current run (0: no run)
  // The MailRouter, told of task events; may be null.
  event_mail_sink_actor mail_sink;
  uint64_t rr_cursor = 0; // round-robin: plan position of the task dealt last
  bool rr_started = false;
  std::vector<queue_subscriber_actor> subscribers;
  journal_outbox outbox;
  bool changed_since_tick = false;
  bool drained_sent = false;
  bool stopping = false; // stop_atom came: no claims until the next start_atom
  // The run waits for work (start_atom's keep_going) until stop_atom: it never drains.
  bool keep_going = false;
  // Read-only, or broken by a failed journal write: then every change is refused.
  journal_health health;

  static inline const char* name = "task-queue";
};

using self_ptr = task_queue_actor::stateful_pointer<task_queue_state>;

// Journals `events`, then runs `then(err)` (err empty on success). On failure the
// queue is marked broken (journal_health.hpp).
//
// Changes made while handling one run of the mailbox go out as one batch: the events
// collect in the outbox and a flush message, queued behind everything already in the
// mailbox, sends them together (one request, one savepoint, one reply). The batch
// commits or fails as a whole; every continuation learns which.
template <class F> void journal(self_ptr self, std::vector<event> events, F then) {
  auto& out = self->state.outbox;
  if (out.events.empty())
    out.events = std::move(events);
  else
    out.events.insert(out.events.end(), std::make_move_iterator(events.begin()),
                      std::make_move_iterator(events.end()));
  out.then.emplace_back(std::move(then));
  if (!out.flush_scheduled) {
    out.flush_scheduled = true;
    self->send(self, flush_atom_v);
  }
}

// Journals `events`; `rp` gets `value` once they are committed, or the error.
template <class T>
void deliver_after_commit(self_ptr self, std::vector<event> events,
                          caf::typed_response_promise<T> rp, T value) {
  journal(self, std::move(events),
          [rp, value = std::move(value)](const caf::error& err) mutable {
            if (err)
              rp.deliver(err);
            else
              rp.deliver(std::move(value));
          });
}

template <class T>
caf::typed_response_promise<T> answer_after_commit(self_ptr self,
                                                   std::vector<event> events, T value) {
  auto rp = self->make_response_promise<T>();
  deliver_after_commit(self, std::move(events), rp, std::move(value));
  return rp;
}

// Mails one of the swarm's task events to the followers, once the change that caused
// it (journaled just before, in this batch) is committed.
void tell_followers(self_ptr self, const char* type, const task& t, const std::string& agent,
                    const std::string& what) {
  if (!self->state.mail_sink) return;
  boost::json::object payload{{"task", t.spec.id}, {"agent", agent}, {"attempt", t.attempts},
                              {"state", to_string(t.state)}};
  if (!t.failure.empty() && t.state != task_state::completed) payload["failure"] = t.failure;
  std::string subject = t.spec.id + " " + what + (agent.empty() ? "" : " — " + agent) + ": " +
                        t.spec.title;
  std::string body = t.result;
  journal(self, {},
          [sink = self->state.mail_sink, type = std::string(type), subject = std::move(subject),
           body = std::move(body),
           payload = boost::json::serialize(payload)](const caf::error& err) {
            if (!err) caf::anon_send(sink, system_mail_atom_v, type, subject, body, payload);
          });
}

// Publishes the task counts for status (status_board.hpp).
void publish_counts(self_ptr self) {
  if (self->state.cfg.board) self->state.cfg.board->publish(self->state.graph->counts());
}

// Sends the outbox to the persistence actor now.
void flush(self_ptr self) {
  auto& out = self->state.outbox;
  out.flush_scheduled = false;
  if (out.then.empty()) return;
  journal_then(self, "task queue", std::move(out.events),
               [self, thens = std::move(out.then)](const caf::error& err) {
                 publish_counts(self); // before anyone hears of the change
                 for (auto& then : thens)
                   then(err);
               });
  out.events.clear();
  out.then.clear();
}

std::vector<event> change_events(const task_graph& g,
                                 const std::vector<task_index>& changed,
                                 event_kind first_kind, const std::string& agent,
                                 int64_t now) {
  std::vector<event> out;
  out.reserve(changed.size());
  for (size_t i = 0; i < changed.size(); ++i) {
    const auto& t = g.at(changed[i]).t;
    task stored = t;
    stored.state = stored_state(t.state);
    if (i == 0)
      out.push_back(persistence::make_task_update(first_kind, stored, agent, now));
    else
      out.push_back(
          persistence::make_task_update(event_kind::task_rolled_up, stored, {}, now));
  }
  return out;
}

// The parent chain (root first) and the dependencies (with results) of task i.
void add_context(const task_graph& g, task_index i, claim_result& res) {
  for (auto p = g.at(i).parent; p != no_task; p = g.at(p).parent)
    res.parents.push_back({g.at(p).t.spec.id, g.at(p).t.spec.title, {}});
  std::reverse(res.parents.begin(), res.parents.end());
  for (auto d : g.at(i).deps)
    res.dependencies.push_back(
        {g.at(d).t.spec.id, g.at(d).t.spec.title, g.at(d).t.result});
}

// How the strategies see the agent behind a request.
strategies::agent_profile
profile_of(self_ptr self, const claim_request& req,
           const std::unordered_map<std::string, uint32_t>& in_flight, int64_t since_us) {
  strategies::agent_profile p;
  p.name = req.agent;
  p.skills = req.skills;
  if (auto it = in_flight.find(req.agent); it != in_flight.end())
    p.in_flight = it->second;
  if (auto it = self->state.agents.find(req.agent); it != self->state.agents.end()) {
    p.completed = it->second.completed;
    p.last_served = it->second.last_served;
  }
  p.waiting_since = static_cast<uint64_t>(since_us);
  return p;
}

// Claims per agent, for load-balanced decisions (only that strategy needs them).
std::unordered_map<std::string, uint32_t> claims_in_flight(self_ptr self) {
  std::unordered_map<std::string, uint32_t> out;
  if (self->state.cfg.strategy != claim_strategy::load_balanced) return out;
  const auto& g = *self->state.graph;
  for (auto i : g.claimed())
    ++out[g.at(i).t.claimed_by];
  return out;
}

strategies::choice_context choice_of(self_ptr self) {
  strategies::choice_context ctx;
  ctx.cursor = self->state.rr_cursor;
  ctx.has_cursor = self->state.rr_started;
  return ctx;
}

// The task the strategy gives the agent behind `req`, if any is open to it.
std::optional<task_index> choose_for(self_ptr self, const claim_request& req) {
  auto profile = profile_of(self, req, claims_in_flight(self), now_us());
  return self->state.graph->choose(self->state.cfg.strategy, profile, choice_of(self));
}

// Claims task `idx` for the agent behind `req`; the claim event is journaled and the
// promise answered after commit.
void claim_for(self_ptr self, const claim_request& req, task_index idx,
               caf::typed_response_promise<claim_result> promise) {
  auto& g = *self->state.graph;
  auto& st = self->state;
  auto now = now_us();
  const auto& agent = req.agent;
  st.agents[agent].last_served = ++st.decisions;
  st.rr_cursor = idx;
  st.rr_started = true;
  g.claim(idx, agent, now + st.cfg.lease_ttl_us, now, req.session);
  st.changed_since_tick = true;
  auto& t = g.at(idx).t;
  claim_result res{true, false, t, {}, {}};
  if (req.with_context) add_context(g, idx, res);
  deliver_after_commit(
      self, {persistence::make_task_update(event_kind::task_claimed, t, agent, now)},
      std::move(promise), std::move(res));
  tell_followers(self, "task.claimed", t, agent,
                 "claimed (attempt " + std::to_string(t.attempts) + ")");
}

void notify(self_ptr self, bool drained);

// Every agent of the run waits, none may take a ready task and nothing in flight can
// change that: logs which skills the ready tasks need.
bool run_stuck(self_ptr self) {
  auto& st = self->state;
  const auto& g = *st.graph;
  if (st.run_agents == 0 || !g.nothing_in_flight() || g.ready_count() == 0) return false;
  size_t waiting = 0;
  for (const auto& p : st.parked)
    waiting += !p.req.session.empty();
  if (waiting < st.run_agents) return false;
  std::set<std::string> needed;
  for (task_index i = 0; i < g.size() && needed.size() < 20; ++i)
    if (g.at(i).t.state == task_state::ready)
      needed.insert(g.at(i).t.spec.skills.begin(), g.at(i).t.spec.skills.end());
  std::string list;
  for (const auto& s : needed)
    list += (list.empty() ? "" : ", ") + s;
  spdlog::warn("no agent of this run may take any of the {} ready task(s): they need the "
               "skills {}; run agents with those skills (--skills) or change the tasks' "
               "skills (`swarm task update ID --skills ...`)",
               g.ready_count(), list);
  return true;
}

// Hands ready tasks to parked claims, in the strategy's order of agents; answers
// them all once the queue is drained or the run is stuck.
void serve_parked(self_ptr self) {
  auto& st = self->state;
  auto& g = *st.graph;
  while (!st.parked.empty() && g.ready_count() > 0) {
    std::optional<size_t> next;
    std::optional<task_index> task;
    if (st.parked.size() == 1) {
      next = 0;
    } else {
      const auto in_flight = claims_in_flight(self);
      std::vector<strategies::agent_profile> waiting;
      waiting.reserve(st.parked.size());
      for (const auto& p : st.parked)
        waiting.push_back(profile_of(self, p.req, in_flight, p.since_us));
      next = strategies::choose_agent(st.cfg.strategy, g.ready_set(), waiting);
    }
    if (next) task = choose_for(self, st.parked[*next].req);
    if (!task) break; // no waiting agent may take any ready task
    auto p = std::move(st.parked[*next]);
    st.parked.erase(st.parked.begin() + static_cast<std::ptrdiff_t>(*next));
    claim_for(self, p.req, *task, p.promise);
  }
  if (st.keep_going) {
    // The claims wait on for tasks to come; a stuck run is said once, until a change
    // (drained_sent stands for "said" here: such a run is never reported drained).
    if (!st.drained_sent && !g.quiescent() && run_stuck(self)) st.drained_sent = true;
    return;
  }
  const bool stuck = !g.quiescent() && run_stuck(self);
  if (g.quiescent() || stuck) {
    while (!st.parked.empty()) {
      st.parked.front().promise.deliver(claim_result{false, true, {}, {}, {}});
      st.parked.pop_front();
    }
  }
  if (stuck && !st.drained_sent) {
    st.drained_sent = true;
    notify(self, true);
  }
}

void notify(self_ptr self, bool drained) {
  auto counts = self->state.graph->counts();
  for (auto& s : self->state.subscribers) {
    if (drained)
      caf::anon_send(s, drained_atom_v, counts);
    else
      caf::anon_send(s, progress_atom_v, counts);
  }
}

// Returns a lost claim to the queue (or fails it on its last attempt).
void release(self_ptr self, task_index idx, const std::string& reason,
             const char* failure) {
  auto& g = *self->state.graph;
  auto agent = g.at(idx).t.claimed_by;
  auto now = now_us();
  auto changed = g.release(idx, reason, self->state.cfg.max_attempts, now, failure);
  self->state.changed_since_tick = true;
  journal(self, change_events(g, changed, event_kind::task_released, agent, now),
          [](const caf::error&) {});
  tell_followers(self, "task.failed", g.at(idx).t, agent,
                 std::string("lost (") + failure + ")");
}

graph_report report_graph(const task_graph& g) {
  auto a = analyze(g);
  graph_report out;
  out.critical_length = a.critical_length;
  for (auto i : a.critical_path)
    out.critical_path.push_back(g.at(i).t.spec.id);
  out.tasks.reserve(g.size());
  for (task_index i = 0; i < g.size(); ++i) {
    const auto& t = g.at(i).t;
    const auto& l = a.levels[i];
    out.tasks.push_back({t.spec.id, t.spec.title, t.state, t.leaf, l.weight, l.top_level,
                         l.bottom_level, l.depth, l.fan_out});
  }
  return out;
}

// Exponential backoff before retry number `attempts` (1 after the first failure).
int64_t retry_delay_us(const task_queue_config& cfg, uint32_t attempts) {
  if (cfg.retry_backoff_us <= 0) return 0;
  int64_t delay = cfg.retry_backoff_us;
  for (uint32_t i = 1; i < attempts && delay < cfg.retry_backoff_max_us; ++i)
    delay *= 2;
  return std::min(delay, cfg.retry_backoff_max_us);
}

// Recomputes the graph scores the graph-prioritized strategy ranks by (after a plan
// load or an edit that changed the graph's shape or weights). O(tasks + dependencies);
// exact fan-out costs O(leaves/64 · (tasks + dependencies)), so large graphs rank by
// bottom level and depth and take direct dependents as the fan-out.
void refresh_scores(self_ptr self) {
  if (self->state.cfg.strategy != claim_strategy::graph_prioritized) return;
  const auto& g = *self->state.graph;
  constexpr size_t exact_fan_out_limit = 20'000;
  auto a = analyze(g, {true, g.size() <= exact_fan_out_limit});
  if (a.cyclic) return;
  std::vector<double> scores(g.size());
  for (task_index i = 0; i < g.size(); ++i) {
    const auto& l = a.levels[i];
    const uint32_t fan_out = g.size() <= exact_fan_out_limit
                                 ? l.fan_out
                                 : static_cast<uint32_t>(g.at(i).dependents.size());
    scores[i] = strategies::graph_score(l.bottom_level, fan_out, l.depth);
  }
  self->state.graph->set_scores(std::move(scores));
}

caf::error refuse_if_broken(self_ptr self) {
  return self->state.health.refusal();
}

// Releases every claim `lost(task)` selects; answers with their number once the
// releases are committed.
template <class Pred>
caf::result<uint64_t> recover_claims(self_ptr self, Pred lost,
                                     const std::string& reason) {
  if (auto err = refuse_if_broken(self)) return err;
  std::vector<task_index> claimed;
  for (auto idx : self->state.graph->claimed())
    if (lost(self->state.graph->at(idx).t)) claimed.push_back(idx);
  for (auto idx : claimed)
    release(self, idx, reason, "agent_crash");
  // The releases go out before this barrier request: answer after their commit.
  flush(self);
  auto rp = self->make_response_promise<uint64_t>();
  uint64_t n = claimed.size();
  self->request(self->state.persistence, journal_timeout, persistence::sync_atom_v)
      .then([rp, n](int64_t) mutable { rp.deliver(n); },
            [rp](caf::error& err) mutable { rp.deliver(err); });
  return rp;
}

// The task a report is about, if the reporter holds its claim under that attempt.
expected<task_index> claimed_task(self_ptr self, const task_report& r) {
  if (auto err = refuse_if_broken(self)) return from_caf(err);
  auto& g = *self->state.graph;
  auto idx = g.find(r.id);
  if (!idx) return make_error(errc::not_found, "no task '" + r.id + "'");
  if (auto ok = g.check_claim(*idx, r.agent, r.attempt); !ok) return ok.error();
  return *idx;
}

caf::result<task_change> report_outcome(self_ptr self, const task_report& r,
                                        bool success) {
  auto idx = claimed_task(self, r);
  if (!idx) return to_caf(idx.error());
  auto& g = *self->state.graph;
  auto now = now_us();
  const auto& cfg = self->state.cfg;
  auto changed = success ? g.complete(*idx, r.result, now)
                         : g.fail(*idx, r.result, cfg.max_attempts, now,
                                  r.failure.empty() ? "task_error" : r.failure,
                                  now + retry_delay_us(cfg, g.at(*idx).t.attempts));
  self->state.changed_since_tick = true;
  auto events = change_events(
      g, changed, success ? event_kind::task_completed : event_kind::task_failed, r.agent,
      now);
  if (success) ++self->state.agents[r.agent].completed;
  {
    const task& t = g.at(*idx).t;
    if (success)
      tell_followers(self, "task.completed", t, r.agent, "completed");
    else
      tell_followers(self, "task.failed", t, r.agent,
                     t.state == task_state::failed ? "failed for good" : "failed, will retry");
  }
  auto rp = answer_after_commit(self, std::move(events),
                                task_change{g.at(*idx).t, ready_ids(g)});
  serve_parked(self);
  return rp;
}

// The agent hands its claim back unfinished (the run is stopping, or its model could
// not work).
caf::result<task_change> give_back(self_ptr self, const task_report& r) {
  auto idx = claimed_task(self, r);
  if (!idx) return to_caf(idx.error());
  auto& g = *self->state.graph;
  auto now = now_us();
  auto changed = g.give_back(*idx, r.result, now, r.failure);
  self->state.changed_since_tick = true;
  auto events = change_events(g, changed, event_kind::task_released, r.agent, now);
  tell_followers(self, "task.progress", g.at(*idx).t, r.agent,
                 r.failure.empty() ? std::string{"given back (run stopping)"}
                                   : "given back (" + r.failure + ": " + r.result + ")");
  return answer_after_commit(self, std::move(events), task_change{g.at(*idx).t, ready_ids(g)});
}

// No more claims this run: every parked claim is answered not claimed and drained.
void stop_claims(self_ptr self) {
  auto& st = self->state;
  st.stopping = true;
  st.keep_going = false;
  while (!st.parked.empty()) {
    st.parked.front().promise.deliver(claim_result{false, true, {}, {}, {}});
    st.parked.pop_front();
  }
}

task_queue_actor::behavior_type
task_queue_impl(self_ptr self, persistence::persistence_actor persistence,
                std::shared_ptr<task_graph> graph, task_queue_config cfg) {
  self->state.graph = std::move(graph);
  self->state.persistence = std::move(persistence);
  self->state.cfg = cfg;
  refresh_scores(self);
  self->state.health.read_only = cfg.read_only;
  self->state.health.storage = cfg.storage;
  publish_counts(self);
  self->delayed_send(self, tick_interval, tick_atom_v);
  return {
      [=](load_atom, plans::plan& p) -> caf::result<load_report> {
        if (auto err = refuse_if_broken(self)) return err;
        auto& g = *self->state.graph;
        if (size_t n = rename_colliding_roots(g, p.tasks); n > 0)
          spdlog::info("plan {}: {} root id(s) collided with other tasks' ids and were "
                       "lengthened",
                       p.path, n);
        auto added = g.add(p.tasks);
        if (!added) return to_caf(added.error());
        auto now = now_us();
        load_report report{added->added.size(), added->already_present, g.size()};
        std::vector<event> events;
        events.reserve(added->added.size() + 1);
        events.push_back(persistence::make_event(
            persistence::plan_loaded{p.path, report.added, report.already_present}, now));
        for (auto idx : added->added)
          events.push_back(
              persistence::make_task_created(g.at(idx).t.spec, g.at(idx).t.leaf, now));
        if (!added->added.empty()) refresh_scores(self);
        self->state.changed_since_tick = true;
        self->state.drained_sent = false;
        auto rp = answer_after_commit(self, std::move(events), report);
        serve_parked(self);
        return rp;
      },
      [=](claim_atom, claim_request& req) -> caf::result<claim_result> {
        if (auto err = refuse_if_broken(self)) return err;
        if (req.agent.empty())
          return to_caf(errc::bad_request, "a claim needs the agent's name");
        if (self->state.stopping) return claim_result{false, true, {}, {}, {}};
        auto& g = *self->state.graph;
        auto idx = choose_for(self, req);
        if (!idx) {
          if (!req.wait || (g.quiescent() && !self->state.keep_going))
            return claim_result{false, g.quiescent(), {}, {}, {}};
          auto rp = self->make_response_promise<claim_result>();
          self->state.parked.push_back({std::move(req), now_us(), rp});
          return rp;
        }
        auto rp = self->make_response_promise<claim_result>();
        claim_for(self, req, *idx, rp);
        return rp;
      },
      [=](complete_atom, const task_report& r) -> caf::result<task_change> {
        return report_outcome(self, r, true);
      },
      [=](fail_atom, const task_report& r) -> caf::result<task_change> {
        return report_outcome(self, r, false);
      },
      [=](give_back_atom, const task_report& r) -> caf::result<task_change> {
        return give_back(self, r);
      },
      [=](stop_atom) -> task_counts {
        stop_claims(self);
        return self->state.graph->counts();
      },
      [=](edit_atom, const task_edit& e) -> caf::result<task_change> {
        if (auto err = refuse_if_broken(self)) return err;
        auto& st = self->state;
        auto outcome = apply_edit(*st.graph, e, st.cfg.limits, now_us());
        if (!outcome) return to_caf(outcome.error());
        if (outcome->structural) refresh_scores(self);
        st.changed_since_tick = true;
        if (!st.graph->quiescent()) st.drained_sent = false;
        auto rp = answer_after_commit(self, std::move(outcome->events),
                                      std::move(outcome->change));
        serve_parked(self);
        return rp;
      },
      [=](renew_atom, const task_report& r) -> caf::result<int64_t> {
        auto idx = claimed_task(self, r);
        if (!idx) return to_caf(idx.error());
        auto& g = *self->state.graph;
        auto now = now_us();
        auto expiry = now + self->state.cfg.lease_ttl_us;
        g.renew(*idx, expiry);
        return answer_after_commit(
            self,
            {persistence::make_task_update(event_kind::task_renewed, g.at(*idx).t,
                                           r.agent, now)},
            expiry);
      },
      [=](recover_atom, const std::vector<std::string>& agents,
          const std::string& reason) -> caf::result<uint64_t> {
        std::set<std::string> gone(agents.begin(), agents.end());
        return recover_claims(
            self, [&](const task& t) { return gone.count(t.claimed_by) > 0; }, reason);
      },
      [=](recover_atom, session_atom, const std::string& current,
          const std::string& reason) -> caf::result<uint64_t> {
        return recover_claims(
            self,
            [&](const task& t) {
              return !t.claim_session.empty() && t.claim_session != current;
            },
            reason);
      },
      [=](status_atom) -> task_counts { return self->state.graph->counts(); },
      [=](graph_atom) -> graph_report { return report_graph(*self->state.graph); },
      [=](graph_atom, uint32_t max_groups) -> graph_summary {
        const auto& g = *self->state.graph;
        return summarize(g, analyze(g, {true, false}), max_groups);
      },
      [=](list_atom, const task_filter& f) -> caf::result<std::vector<task>> {
        auto& g = *self->state.graph;
        std::vector<task> out;
        if (!f.id.empty()) {
          auto idx = g.find(f.id);
          if (!idx) return to_caf(errc::not_found, "no task '" + f.id + "'");
          out.push_back(g.at(*idx).t);
          return out;
        }
        if (f.claimed_only) {
          auto claimed = g.claimed();
          std::sort(claimed.begin(), claimed.end()); // plan order, as the full list
          for (auto i : claimed)
            out.push_back(g.at(i).t);
          return out;
        }
        out.reserve(f.ready_only ? g.ready_count() : g.size());
        for (task_index i = 0; i < g.size(); ++i)
          if (!f.ready_only || g.at(i).t.state == task_state::ready)
            out.push_back(g.at(i).t);
        return out;
      },
      [=](list_atom, const task_query& q) -> caf::result<task_page> {
        auto page = list_tasks(*self->state.graph, q);
        if (!page) return to_caf(page.error());
        return std::move(*page);
      },
      [=](mail_sink_atom, event_mail_sink_actor& sink) {
        self->state.mail_sink = std::move(sink);
      },
      [=](start_atom, uint32_t agents, bool keep_going) {
        self->state.run_agents = agents;
        self->state.keep_going = keep_going;
        self->state.drained_sent = false;
        self->state.stopping = false;
        serve_parked(self);
      },
      [=](subscribe_atom, queue_subscriber_actor& who) {
        self->state.subscribers.push_back(who);
        caf::anon_send(who, progress_atom_v, self->state.graph->counts());
        if (self->state.graph->quiescent() && !self->state.keep_going)
          caf::anon_send(who, drained_atom_v, self->state.graph->counts());
      },
      [=](flush_atom) { flush(self); },
      [=](tick_atom) {
        auto& st = self->state;
        auto now = now_us();
        if (!st.health.refusal()) {
          for (auto idx : st.graph->expired_leases(now)) {
            const auto& t = st.graph->at(idx).t;
            release(self, idx,
                    "lease expired: agent '" + t.claimed_by +
                        "' neither reported nor renewed",
                    "lease_expired");
          }
        }
        if (st.graph->wake(now) > 0) st.changed_since_tick = true;
        while (!st.parked.empty() &&
               now - st.parked.front().since_us > st.cfg.max_park_us) {
          st.parked.front().promise.deliver(claim_result{false, false, {}, {}, {}});
          st.parked.pop_front();
        }
        serve_parked(self);
        publish_counts(self); // deferrals and backoffs end with the clock
        if (st.changed_since_tick) {
          st.changed_since_tick = false;
          notify(self, false);
          if (st.graph->quiescent() && !st.drained_sent && !st.keep_going) {
            st.drained_sent = true;
            notify(self, true);
          }
        }
        self->delayed_send(self, tick_interval, tick_atom_v);
      },
  };
}

} // namespace

task_queue_actor spawn_task_queue(caf::actor_system& sys,
                                  persistence::persistence_actor persistence,
                                  std::shared_ptr<task_graph> graph,
                                  task_queue_config cfg) {
  return sys.spawn(task_queue_impl, std::move(persistence), std::move(graph), cfg);
}

} // namespace swarm
