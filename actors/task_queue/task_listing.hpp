#pragma once
// Pages of the task list (engine::find_tasks, GET /api/tasks): the tasks matching a
// query, in insertion order, from a cursor on, and the exact count of all matches.
// Plain C++ over the TaskQueue's graph; called on the queue's thread.
//
// A page copies only its own tasks: matching is a scan of the nodes in place (state,
// then a case-insensitive substring of id, title or description), so a page of 50 at
// 100k tasks costs one scan, not 100k copies. The cursor is the index of the node to
// look at next, written as decimal text: tasks are never removed, so it stays valid
// while tasks are added.

#include "actors/task_queue/task_graph.hpp"

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <string_view>

namespace swarm {

// errc::bad_request for a cursor that is not one a page gave.
expected<task_page> list_tasks(const task_graph& g, const task_query& q);

// Whether `text` holds `needle`, ASCII letters compared without case. An empty needle
// is in everything.
bool contains_ignoring_case(std::string_view text, std::string_view needle);

} // namespace swarm
