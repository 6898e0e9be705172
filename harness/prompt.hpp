#pragma once
// The prompt builder: what a model is told about one attempt at a task. Plain C++.
//
// The harness writes two files into the attempt's run directory
// (.swarm/runs/<task-id>/<attempt>/): prompt.md, the Markdown a model reads, and
// task.json, the same facts for programs (the mock model, scripts). Sections that later
// capabilities fill (memories, inbox, reservation conflicts) have their place here and
// are left out while empty.

#include <swarm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace swarm::harness {

// Another task, as far as a prompt needs it.
struct task_ref {
  std::string id;
  std::string title;
  std::string result; // dependencies: what their agent reported
};

struct prompt_context {
  task t;                            // the claimed task (spec, attempts, last result)
  uint32_t attempt = 1;
  std::string agent;
  std::string workdir;               // where the model works
  std::vector<task_ref> parents;     // the parent chain, root first
  std::vector<task_ref> dependencies; // completed dependencies with their results
  // Filled by later capabilities; a section appears only when its list is not empty.
  std::vector<std::string> memories;              // relevant memories (memory issue)
  std::vector<std::string> inbox;                 // unread mail (mail issue)
  std::vector<std::string> reservation_conflicts; // files others hold (reservations)
  // The model has the swarm MCP tools: the prompt says which to use when.
  bool swarm_tools = false;
};

// prompt.md: a heading "# Task <id>: <title>", then the description, the parent chain,
// dependency results, the files to touch ("## Files", one "- path" per line), the
// previous attempt's failure when this is a retry, the optional sections, and with
// swarm_tools which swarm MCP tools to use when.
std::string build_prompt(const prompt_context& c);

// task.json: {"id", "title", "description", "files", "attempt", "agent", "workdir",
// "parents": [{"id", "title"}], "dependencies": [{"id", "title", "result"}],
// "previous_failure": {"kind", "reason"} (retries only)}.
std::string build_task_json(const prompt_context& c);

} // namespace swarm::harness
