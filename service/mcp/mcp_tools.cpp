// The MCP tools table (mcp_tools.hpp). Descriptions are short on purpose: a client
// sends the tools/list answer to its model in every session.

#include "service/mcp/mcp_tools.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <map>
#include <string>

namespace swarm::mcp {

namespace json = boost::json;

namespace {

// Output shapes several tools share.
constexpr const char* task_out = "id*:s title*:s state*:s";
constexpr const char* message_out = "id*:s thread*:s";
constexpr const char* messages_out = "messages*:A";

const std::vector<tool> table = {
    {"whoami", "Who I am: my agent record (also a heartbeat).", "",
     "name*:s state*:s current_task:s", "agent.heartbeat", "name"},
    {"task_current",
     "My claimed task with its context: attempt, parent, dependencies' results, my "
     "reservations, unread mail count. task is null when I hold none.",
     "", "agent*:s task*:O attempt:i", "task.current", "agent"},
    {"task_show", "A task by id.", "id*:s", task_out, "tasks", nullptr},
    {"task_ready", "Ready tasks. sort: priority (default), oldest or graph.", "sort:s",
     "tasks*:A", "ready", nullptr},
    {"task_claim", "Claim a ready task for me; claimed is false when none is open.", "",
     "claimed*:b id:s attempt:i", "task.claim", "agent"},
    {"task_complete", "Complete my claimed task (attempt from task_claim/task_current).",
     "id*:s attempt*:i result:s", task_out, "task.complete", "agent"},
    {"task_fail", "Fail my claimed task; it is retried while attempts remain.",
     "id*:s attempt*:i reason:s", task_out, "task.fail", "agent"},
    {"task_progress",
     "I am still working on my claimed task: extends its lease; a note is kept as "
     "working memory.",
     "id*:s attempt*:i note:s", "id*:s lease_expires_us*:i", "task.progress", "agent"},
    {"task_add",
     "Add work I discovered; linked to my claimed task as discovered-from. priority "
     "0-4 (0 most urgent).",
     "title*:s description:s parent:s depends:S skills:S files:S priority:i", task_out,
     "task.add", "agent"},
    {"mail_send",
     "Send mail to agents (or broadcast). category HANDOFF or BLOCKED needs an ack; "
     "also DECISION, INFO. importance: low, normal, high, urgent.",
     "to:S cc:S broadcast:b subject*:s body:s category:s importance:s thread:s "
     "ack_required:b",
     message_out, "mail.send", "from"},
    {"mail_reply", "Reply in a message's thread.", "message*:s body*:s", message_out,
     "mail.reply", "from"},
    {"mail_inbox", "My mail, newest first. state: unread, read or acked.",
     "state:s urgent:b thread:s limit:i", messages_out, "mail.inbox", "agent"},
    {"mail_ack", "Acknowledge a message to me (marks it read too).", "message*:s",
     "id*:s state*:s", "mail.ack", "agent"},
    {"mail_search",
     "Search my mail: words, \"phrases\", subject:, body:, from:, thread:.",
     "query*:s limit:i", messages_out, "mail.search", "agent"},
    {"mail_thread", "A conversation, by thread or message id.", "id*:s", "messages*:A",
     "mail.thread", "agent"},
    {"reserve",
     "Reserve files (paths or globs) before editing them. Always granted; other agents' "
     "overlapping reservations come back as conflicts. type: edit, read, create, delete.",
     "patterns*:S type:s exclusive:b ttl_ms:i reason:s task:s",
     "conflict_count*:i reservations*:A", "reservation.reserve", "agent"},
    {"renew", "Extend my reservations (by id or pattern; all when none named).",
     "ids:S patterns:S ttl_ms:i", "reservations*:A", "reservation.renew", "agent"},
    {"release", "Release my reservations (by id or pattern, or all).",
     "ids:S patterns:S all:b", "released*:A", "reservation.release", "agent"},
    {"check_reservations",
     "Other agents' reservations on these paths; exclusive=true when I mean to write.",
     "paths*:S exclusive:b", "conflicts*:A", "reservation.check", "agent"},
    {"lease_acquire",
     "Take an exclusive named lease (e.g. slot:build); acquired=false shows the holder. "
     "Keep its token for renew/release.",
     "name*:s ttl_ms:i", "acquired*:b holder:s token:i", "lease.acquire", "holder"},
    {"lease_renew", "Extend my lease.", "name*:s token:i ttl_ms:i",
     "token*:i expires_us*:i", "lease.renew", "holder"},
    {"lease_release", "Release my lease.", "name*:s token:i", "name*:s", "lease.release",
     "holder"},
    {"memory_add",
     "Store a learning for later tasks (type agent_learning unless given; working for a "
     "short-lived note).",
     "content*:s type:s tags:S task:s importance:n", "id*:s deduplicated*:b",
     "memory.add", "agent", R"({"type":"agent_learning"})"},
    {"memory_search", "Search what agents learned (hybrid vector + full text).",
     "query*:s k:i type:s tags:S task:s", "results*:A", "memory.search", nullptr},
    {"status", "The swarm: task counts, agents, run state.", "", "tasks*:o agents*:A",
     "status", nullptr},
};

json::object type_of(char t) {
  switch (t) {
  case 's':
    return {{"type", "string"}};
  case 'i':
    return {{"type", "integer"}};
  case 'n':
    return {{"type", "number"}};
  case 'b':
    return {{"type", "boolean"}};
  case 'S':
    return {{"type", "array"}, {"items", {{"type", "string"}}}};
  case 'O':
    return {{"type", json::array{"object", "null"}}};
  case 'A':
    return {{"type", "array"}, {"items", {{"type", "object"}}}};
  default:
    return {{"type", "object"}};
  }
}

} // namespace

const std::vector<tool>& tools() {
  return table;
}

const tool* find_tool(std::string_view name) {
  for (const auto& t : table)
    if (name == t.name) return &t;
  return nullptr;
}

json::object schema_of(std::string_view short_form) {
  json::object properties;
  json::array required;
  while (!short_form.empty()) {
    const auto end = short_form.find(' ');
    const auto word = short_form.substr(0, end);
    short_form =
        end == std::string_view::npos ? std::string_view{} : short_form.substr(end + 1);
    const auto colon = word.find(':');
    if (word.empty() || colon == std::string_view::npos || colon + 1 >= word.size())
      continue;
    auto name = word.substr(0, colon);
    if (name.back() == '*') {
      name.remove_suffix(1);
      required.emplace_back(name);
    }
    properties[name] = type_of(word[colon + 1]);
  }
  json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

const json::object& listing(const tool& t) {
  static const auto all = [] {
    std::map<std::string, json::object> out;
    for (const auto& x : table)
      out[x.name] = json::object{{"name", x.name},
                                 {"description", x.description},
                                 {"inputSchema", schema_of(x.input)},
                                 {"outputSchema", schema_of(x.output)}};
    return out;
  }();
  return all.at(t.name);
}

bool takes(const tool& t, std::string_view field) {
  const auto& properties = listing(t).at("inputSchema").at("properties").as_object();
  return properties.contains(field);
}

} // namespace swarm::mcp
