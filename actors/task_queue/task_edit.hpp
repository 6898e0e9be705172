#pragma once
// Runtime task operations — add, update, cancel, reopen, defer, dependency add and
// remove — applied to a task graph, with the journal events that record them. Plain
// C++ (no CAF): the TaskQueue actor calls apply_edit on its thread and journals the
// events before answering; tests call it directly.

#include "actors/task_queue/task_graph.hpp"
#include "persistence/events.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace swarm {

// One operation, as the control protocol and the embedding API send it.
struct task_edit {
  // "add", "update", "cancel", "reopen", "defer", "dep-add", "dep-rm"
  std::string op;
  std::string id;              // the task operated on; add: empty (an id is assigned)
  std::string other;           // dep-add / dep-rm: the task depended on
  std::string kind = "blocks"; // dep-add: blocks | related | discovered-from
  // add: the new task (parent, title, depends, skills, priority, files, estimate);
  // update: the new values of the fields named in `fields`.
  task_spec spec;
  // update: which of spec's fields to change: title, description, priority, skills,
  // files, estimate.
  std::vector<std::string> fields;
  int64_t until_us = 0; // defer: unix µs (<= now lifts a deferral)
  std::string reason;   // cancel: recorded as the task's result
  std::string prefix;   // add: a new root's id prefix; empty: the queue's
};

struct edit_limits {
  std::string prefix = "sw"; // id prefix for new roots
  uint32_t max_depth = 8; // levels a task may sit below (and including) its root; 0: any
};

struct edit_outcome {
  std::vector<persistence::event> events; // to journal, in order
  task_change change;                     // the task afterwards, and what became ready
  bool structural = false;                // the graph's shape or weights changed
};

// Applies `e` to `g`. All or nothing: on error `g` is unchanged. Errors name the task
// and say what to do: errc::not_found (unknown id), errc::refused (self-dependency,
// cycle — with its path —, bad value, too deep), errc::invalid_state (the task's state
// does not allow it), errc::bad_request (unknown op, kind or field).
expected<edit_outcome> apply_edit(task_graph& g, const task_edit& e,
                                  const edit_limits& lim, int64_t now_us);

// A plan's root whose id the queue already holds for a differently titled root (two
// titles whose hashes share a prefix) gets the next free id, and its subtree and the
// plan's references follow; a root with the same title is the same task (reloading a
// plan adds nothing). Deterministic for a given queue. Returns how many were renamed.
size_t rename_colliding_roots(const task_graph& g, std::vector<task_spec>& specs);

// The ids of tasks in `g.became_ready()`.
std::vector<std::string> ready_ids(const task_graph& g);

} // namespace swarm
