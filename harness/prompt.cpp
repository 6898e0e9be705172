#include "harness/prompt.hpp"

#include <boost/json.hpp>

namespace swarm::harness {

namespace {

void section(std::string& out, const char* title, const std::vector<std::string>& items) {
  if (items.empty())
    return;
  out += "\n## ";
  out += title;
  out += "\n\n";
  for (const auto& item : items)
    out += "- " + item + "\n";
}

boost::json::array refs(const std::vector<task_ref>& v, bool with_result) {
  boost::json::array a;
  for (const auto& r : v) {
    boost::json::object o{{"id", r.id}, {"title", r.title}};
    if (with_result)
      o.emplace("result", r.result);
    a.push_back(std::move(o));
  }
  return a;
}

bool is_retry(const prompt_context& c) { return c.attempt > 1 && !c.t.result.empty(); }

} // namespace

std::string build_prompt(const prompt_context& c) {
  const auto& s = c.t.spec;
  std::string out = "# Task " + s.id + ": " + s.title + "\n\n";
  out += "You are agent `" + c.agent + "`, one of several coding agents building this "
         "project together. Do this task, and only this task, in the working directory `" +
         c.workdir + "`. This is attempt " + std::to_string(c.attempt) + ".\n";
  if (!s.description.empty())
    out += "\n" + s.description + "\n";
  if (!c.parents.empty()) {
    out += "\n## Part of\n\n";
    for (const auto& p : c.parents)
      out += "- " + p.id + ": " + p.title + "\n";
  }
  if (!c.dependencies.empty()) {
    out += "\n## Done before this task\n\n";
    for (const auto& d : c.dependencies) {
      out += "- " + d.id + ": " + d.title;
      if (!d.result.empty())
        out += " — " + d.result;
      out += "\n";
    }
  }
  section(out, "Files", s.files);
  if (is_retry(c)) {
    out += "\n## Previous attempt\n\nIt failed";
    if (!c.t.failure.empty())
      out += " (" + c.t.failure + ")";
    out += ": " + c.t.result + "\n";
  }
  section(out, "Relevant memories", c.memories);
  section(out, "Unread mail", c.inbox);
  section(out, "Files other agents have reserved", c.reservation_conflicts);
  if (c.swarm_tools)
    out += "\n## Working with the other agents\n\n"
           "You have the `swarm` MCP tools; you act as `" + c.agent + "`.\n"
           "- Before editing a file not listed in Files, `reserve` it; `release` it when "
           "done.\n"
           "- Leaving work to another agent: `mail_send` a HANDOFF. Stuck on someone "
           "else: `mail_send` BLOCKED. Read new mail with `mail_inbox`.\n"
           "- Learned something the next agent should know: `memory_add`.\n"
           "- Found work outside this task: `task_add` it, do not do it now.\n";
  out += "\nWhen you are done, say in one line what you did.\n";
  return out;
}

std::string build_task_json(const prompt_context& c) {
  const auto& s = c.t.spec;
  boost::json::array files;
  for (const auto& f : s.files)
    files.emplace_back(f);
  boost::json::object o{
    {"id", s.id},
    {"title", s.title},
    {"description", s.description},
    {"files", std::move(files)},
    {"attempt", c.attempt},
    {"agent", c.agent},
    {"workdir", c.workdir},
    {"parents", refs(c.parents, false)},
    {"dependencies", refs(c.dependencies, true)},
  };
  if (is_retry(c))
    o.emplace("previous_failure",
              boost::json::object{{"kind", c.t.failure}, {"reason", c.t.result}});
  return boost::json::serialize(o) + "\n";
}

} // namespace swarm::harness
