#pragma once
// The swarm's message vocabulary in one place: atoms, the message structs actors
// exchange, and CAF inspectors for the public value types. Included by actor .cpp
// files only (it pulls in CAF).

#include "harness/process_runner.hpp"
#include "harness/prompt.hpp"
#include "persistence/caf_error.hpp"
#include "actors/task_queue/task_edit.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/storage_gate.hpp"
#include "plans/plan_loader.hpp"

#include "src/time_units.hpp"

#include <swarm/engine.hpp>
#include <swarm/types.hpp>

#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <vector>

CAF_ADD_ATOM(swarm, swarm, load_atom, "load")
CAF_ADD_ATOM(swarm, swarm, claim_atom, "claim")
CAF_ADD_ATOM(swarm, swarm, complete_atom, "complete")
CAF_ADD_ATOM(swarm, swarm, fail_atom, "fail")
CAF_ADD_ATOM(swarm, swarm, renew_atom, "renew")
CAF_ADD_ATOM(swarm, swarm, status_atom, "status")
CAF_ADD_ATOM(swarm, swarm, list_atom, "list")
CAF_ADD_ATOM(swarm, swarm, recover_atom, "recover")
CAF_ADD_ATOM(swarm, swarm, session_atom, "session")
CAF_ADD_ATOM(swarm, swarm, tick_atom, "tick")
CAF_ADD_ATOM(swarm, swarm, flush_atom, "flush")
CAF_ADD_ATOM(swarm, swarm, graph_atom, "graph")
CAF_ADD_ATOM(swarm, swarm, subscribe_atom, "subscribe")
CAF_ADD_ATOM(swarm, swarm, progress_atom, "progress")
CAF_ADD_ATOM(swarm, swarm, drained_atom, "drained")
CAF_ADD_ATOM(swarm, swarm, journal_atom, "journal")
CAF_ADD_ATOM(swarm, swarm, start_atom, "start")
CAF_ADD_ATOM(swarm, swarm, stop_atom, "stop")
CAF_ADD_ATOM(swarm, swarm, work_done_atom, "work_done")
CAF_ADD_ATOM(swarm, swarm, stats_atom, "stats")
CAF_ADD_ATOM(swarm, swarm, edit_atom, "edit")
CAF_ADD_ATOM(swarm, swarm, mail_send_atom, "mail_send")
CAF_ADD_ATOM(swarm, swarm, mail_reply_atom, "mail_reply")
CAF_ADD_ATOM(swarm, swarm, inbox_atom, "inbox")
CAF_ADD_ATOM(swarm, swarm, mark_atom, "mark")
CAF_ADD_ATOM(swarm, swarm, thread_atom, "thread")
CAF_ADD_ATOM(swarm, swarm, unacked_atom, "unacked")
CAF_ADD_ATOM(swarm, swarm, search_atom, "search")
CAF_ADD_ATOM(swarm, swarm, new_mail_atom, "new_mail")
CAF_ADD_ATOM(swarm, swarm, system_mail_atom, "sys_mail")
CAF_ADD_ATOM(swarm, swarm, mail_sink_atom, "mail_sink")
CAF_ADD_ATOM(swarm, swarm, follow_atom, "follow")
CAF_ADD_ATOM(swarm, swarm, notify_atom, "notify")
CAF_ADD_ATOM(swarm, swarm, coordinator_atom, "coord")
CAF_ADD_ATOM(swarm, swarm, reserve_atom, "reserve")
CAF_ADD_ATOM(swarm, swarm, check_atom, "check")
CAF_ADD_ATOM(swarm, swarm, release_atom, "release")
CAF_ADD_ATOM(swarm, swarm, cleanup_atom, "cleanup")
CAF_ADD_ATOM(swarm, swarm, lease_acquire_atom, "lacquire")
CAF_ADD_ATOM(swarm, swarm, lease_renew_atom, "lrenew")
CAF_ADD_ATOM(swarm, swarm, lease_release_atom, "lrelease")
CAF_ADD_ATOM(swarm, swarm, lease_list_atom, "llist")
CAF_ADD_ATOM(swarm, swarm, remember_atom, "remember")
CAF_ADD_ATOM(swarm, swarm, recall_atom, "recall")
CAF_ADD_ATOM(swarm, swarm, forget_atom, "forget")
CAF_ADD_ATOM(swarm, swarm, prepare_atom, "prepare")
CAF_ADD_ATOM(swarm, swarm, deliver_atom, "deliver")
CAF_ADD_ATOM(swarm, swarm, discard_atom, "discard")

namespace swarm {

// ---- inspectors for the public values (swarm/types.hpp) --------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_spec& x) {
  return f(caf::meta::type_name("swarm::task_spec"), x.id, x.parent, x.title,
           x.description, x.depends, x.related, x.discovered_from, x.skills, x.priority,
           x.files, x.estimate_minutes, x.source);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task& x) {
  return f(caf::meta::type_name("swarm::task"), x.spec, x.state, x.leaf, x.attempts,
           x.claimed_by, x.claim_session, x.lease_expires, x.result, x.failure, x.updated,
           x.deferred_until, x.claim_token);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mail_message& x) {
  return f(caf::meta::type_name("swarm::mail_message"), x.id, x.type, x.category, x.from,
           x.to, x.cc, x.bcc, x.broadcast, x.thread, x.subject, x.body, x.payload,
           x.importance, x.ack_required, x.in_reply_to, x.created, x.audience);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mail_copy& x) {
  return f(caf::meta::type_name("swarm::mail_copy"), x.m, x.recipient, x.state, x.read,
           x.acked);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mail_draft& x) {
  return f(caf::meta::type_name("swarm::mail_draft"), x.type, x.category, x.from, x.to, x.cc,
           x.bcc, x.broadcast, x.thread, x.subject, x.body, x.payload, x.importance,
           x.ack_required, x.in_reply_to);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation& x) {
  return f(caf::meta::type_name("swarm::reservation"), x.id, x.agent, x.task, x.pattern,
           x.type, x.exclusive, x.reason, x.created, x.renewed, x.expires);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_conflict& x) {
  return f(caf::meta::type_name("swarm::reservation_conflict"), x.path, x.held,
           x.holder_stale);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reservation_grant& x) {
  return f(caf::meta::type_name("swarm::reservation_grant"), x.r, x.refreshed, x.conflicts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_request& x) {
  return f(caf::meta::type_name("swarm::release_request"), x.agent, x.ids, x.patterns, x.all,
           x.force);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease& x) {
  return f(caf::meta::type_name("swarm::lease"), x.name, x.holder, x.token, x.acquired,
           x.expires);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_grant& x) {
  return f(caf::meta::type_name("swarm::lease_grant"), x.acquired, x.l);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_record& x) {
  return f(caf::meta::type_name("swarm::memory"), x.id, x.kind, x.type, x.content, x.tags,
           x.agent, x.task, x.importance, x.created, x.expires, x.access_count,
           x.last_access);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_added& x) {
  return f(caf::meta::type_name("swarm::memory_added"), x.m, x.deduplicated);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_query& x) {
  return f(caf::meta::type_name("swarm::memory_query"), x.text, x.mode, x.k, x.type, x.agent,
           x.task, x.tags);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_hit& x) {
  return f(caf::meta::type_name("swarm::memory_hit"), x.m, x.score, x.relevance, x.similarity,
           x.vector_rank, x.text_rank);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_stats& x) {
  return f(caf::meta::type_name("swarm::memory_stats"), x.total, x.episodic, x.working,
           x.procedural, x.embedder, x.dimension, x.index_path, x.index_size, x.index_state,
           x.reembedded);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_change& x) {
  return f(caf::meta::type_name("swarm::task_change"), x.t, x.now_ready);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_edit& x) {
  return f(caf::meta::type_name("swarm::task_edit"), x.op, x.id, x.other, x.kind, x.spec,
           x.fields, x.until_us, x.reason, x.prefix);
}

namespace plans {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plan& x) {
  return f(caf::meta::type_name("swarm::plans::plan"), x.path, x.prefix, x.tasks);
}

} // namespace plans

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_counts& x) {
  return f(caf::meta::type_name("swarm::task_counts"), x.pending, x.ready, x.claimed,
           x.completed, x.failed, x.blocked, x.cancelled);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, graph_report::row& x) {
  return f(caf::meta::type_name("swarm::graph_report::row"), x.id, x.title, x.state, x.leaf,
           x.weight, x.top_level, x.bottom_level, x.depth, x.fan_out);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, graph_report& x) {
  return f(caf::meta::type_name("swarm::graph_report"), x.critical_length, x.critical_path,
           x.tasks);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, graph_summary::group& x) {
  return f(caf::meta::type_name("swarm::graph_summary::group"), x.id, x.title, x.depth,
           x.tasks, x.leaves);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, graph_summary::link& x) {
  return f(caf::meta::type_name("swarm::graph_summary::link"), x.from, x.to,
           x.dependencies);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, graph_summary& x) {
  return f(caf::meta::type_name("swarm::graph_summary"), x.level, x.tasks,
           x.critical_length, x.critical_path, x.groups, x.links);
}

// ---- task queue messages --------------------------------------------------------

// What loading a plan did.
struct load_report {
  uint64_t added = 0;
  uint64_t already_present = 0;
  uint64_t total = 0; // tasks in the queue afterwards
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, load_report& x) {
  return f(caf::meta::type_name("swarm::load_report"), x.added, x.already_present,
           x.total);
}

// A claim request.
struct claim_request {
  std::string agent;
  bool wait = false;   // park until a task is ready or the queue drains
  std::string session; // the engine session of an in-process agent; empty for an
                       // outside claimant, whose claim survives engine restarts
  bool with_context = false; // answer with the parent chain and dependency results
  std::vector<std::string> skills; // the agent's; empty: a generalist (any task)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_request& x) {
  return f(caf::meta::type_name("swarm::claim_request"), x.agent, x.wait, x.session,
           x.with_context, x.skills);
}

} // namespace swarm

namespace swarm::harness {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_ref& x) {
  return f(caf::meta::type_name("swarm::harness::task_ref"), x.id, x.title, x.result);
}

} // namespace swarm::harness

namespace swarm {

// The answer to a claim: a task, or none (with `drained` when no task can ever
// become ready again without new work). A claimed task comes with what a prompt
// needs from the graph: its parent chain (root first) and its dependencies' results.
struct claim_result {
  bool claimed = false;
  bool drained = false;
  task t;
  std::vector<harness::task_ref> parents;
  std::vector<harness::task_ref> dependencies;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_result& x) {
  return f(caf::meta::type_name("swarm::claim_result"), x.claimed, x.drained, x.t,
           x.parents, x.dependencies);
}

// A report on a claimed task.
struct task_report {
  std::string id;
  std::string agent;
  uint32_t attempt = 0;
  std::string result;  // summary on success, reason on failure
  std::string failure; // on failure: its kind (task_error, task_timeout, model_stalled,
                       // model_crash, spawn_error, bad_output); empty means task_error.
                       // On a give-back: empty (the run stops), or model_unavailable
                       // (the attempt is not counted)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_report& x) {
  return f(caf::meta::type_name("swarm::task_report"), x.id, x.agent, x.attempt, x.result,
           x.failure);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_page& x) {
  return f(caf::meta::type_name("swarm::task_page"), x.tasks, x.total, x.next_cursor);
}

// Which tasks to list.
struct task_filter {
  bool ready_only = false;
  std::string id;            // one task by id when set
  bool claimed_only = false; // only claimed tasks (from the lease index, no scan)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_filter& x) {
  return f(caf::meta::type_name("swarm::task_filter"), x.ready_only, x.id,
           x.claimed_only);
}

} // namespace swarm

CAF_ADD_ATOM(swarm, swarm, register_atom, "register")
CAF_ADD_ATOM(swarm, swarm, agent_state_atom, "agentstate")
CAF_ADD_ATOM(swarm, swarm, heartbeat_atom, "heartbeat")
CAF_ADD_ATOM(swarm, swarm, set_state_atom, "setstate")
CAF_ADD_ATOM(swarm, swarm, run_done_atom, "rundone")
CAF_ADD_ATOM(swarm, swarm, give_back_atom, "giveback")
CAF_ADD_ATOM(swarm, swarm, spawned_atom, "spawned")
CAF_ADD_ATOM(swarm, swarm, usage_atom, "usage")

namespace swarm {

// ---- coordinator messages -------------------------------------------------------

// The cost travels as a number, negative for "none reported" (CAF 0.17 has no
// inspector for std::optional).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, model_usage& x) {
  double cost = x.cost_usd ? *x.cost_usd : -1;
  auto load = caf::meta::load_callback([&]() -> caf::error {
    if (cost >= 0)
      x.cost_usd = cost;
    else
      x.cost_usd.reset();
    return caf::none;
  });
  return f(caf::meta::type_name("swarm::model_usage"), x.input_tokens, x.output_tokens,
           x.cache_read_tokens, x.cache_write_tokens, cost, x.model, x.runs, load);
}

// An agent as the coordinator knows it.
struct agent_info {
  std::string name;           // empty at registration: the coordinator picks one
  std::string model;
  std::vector<std::string> skills;
  agent_state state = agent_state::idle;
  std::string current_task;   // when busy
  uint64_t completed = 0;     // attempts completed (in-process agents: this session)
  uint64_t failed = 0;        // attempts failed
  std::string session;        // engine session hosting it; empty: an outside agent
  int32_t pid = 0;            // its model subprocess while one runs
  int64_t last_heartbeat_us = 0;
  std::string token_hash;     // SHA-256 of its token, hex (persistence/credentials.hpp)
  std::string token;          // the token itself: only in the coordinator's answer to
                              // register_atom, never kept by the coordinator
  model_usage usage;          // its model runs' usage, summed (restored from the
                              // projection, then added to as its runs end)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_info& x) {
  return f(caf::meta::type_name("swarm::agent_info"), x.name, x.model, x.skills, x.state,
           x.current_task, x.completed, x.failed, x.session, x.pid, x.last_heartbeat_us,
           x.token_hash, x.token, x.usage);
}

// ---- mail handles, typed by what their holder sends -------------------------------
// A wider handle converts to one of these only if its actor handles those messages:
// the compiler checks the wiring (actors/engine/bootstrap.cpp, an agent's subscription).

// Where the task queue and the coordinator mail the swarm's own events: (type, subject,
// body, payload JSON), for the followers.
using event_mail_sink_actor = caf::typed_actor<
    caf::reacts_to<system_mail_atom, std::string, std::string, std::string, std::string>>;

// Where the reservation registry announces: (type, subject, body, payload JSON, agents),
// for the followers and these agents.
using notify_mail_sink_actor =
    caf::typed_actor<caf::reacts_to<notify_atom, std::string, std::string, std::string,
                                    std::string, std::vector<std::string>>>;

// Who the MailRouter pushes an agent's new mail to (its harness), after commit.
using new_mail_subscriber_actor =
    caf::typed_actor<caf::reacts_to<new_mail_atom, mail_copy>>;

} // namespace swarm

// Local only: the process runner's report travels from its I/O thread to the harness.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::harness::process_result)
// Local only (their std::optional has no inspector in CAF 0.17): engine -> registry,
// mail router, memory store, task queue.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::reserve_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::inbox_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::memory_draft)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(swarm::task_query)
