// Who a request may act as: the table of acting arguments and the check
// (acting_as.hpp).

#include "actors/control/acting_as.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace swarm {

namespace json = boost::json;

const std::map<std::string_view, std::vector<const char*>>& acting_rules() {
  static const std::map<std::string_view, std::vector<const char*>> table = {
      {"mail.send", {"from"}},
      {"mail.reply", {"from"}},
      {"mail.inbox", {"agent"}},
      {"mail.read", {"agent"}},
      {"mail.ack", {"agent"}},
      {"mail.thread", {"agent"}}, // the viewer: bcc copies it may see
      {"mail.search", {"agent"}},
      {"mail.follow", {"agent"}},
      {"mail.list", {"agent"}}, // one agent's mail; without it, everyone's
      {"reservation.reserve", {"agent"}},
      {"reservation.renew", {"agent"}},
      {"reservation.release", {"agent"}},
      {"reservation.check", {"agent"}},
      {"lease.acquire", {"holder"}},
      {"lease.renew", {"holder"}},
      {"lease.release", {"holder"}},
      {"task.claim", {"agent"}},
      {"task.complete", {"agent"}},
      {"task.fail", {"agent"}},
      {"task.progress", {"agent"}},
      {"task.current", {"agent"}},
      {"task.add", {"agent"}}, // who found it: linked to that agent's claim
      {"agent.register", {"name"}}, // only when the name is registered already
      {"agent.heartbeat", {"name"}},
      {"agent.state", {"name"}},
      {"memory.add", {"agent"}},
      {"memory.forget", {"by"}},
  };
  return table;
}

const std::vector<std::string_view>& operator_only() {
  static const std::vector<std::string_view> ops = {"dashboard.link", "quality.baseline",
                                                     "runs.gc"};
  return ops;
}

const std::vector<std::string_view>& plan_edits() {
  static const std::vector<std::string_view> ops = {
      "plan.load",   "task.cancel", "task.update", "task.move",
      "task.defer",  "task.reopen", "dep.add",     "dep.rm",
      "reservation.cleanup",        "mail.export",
  };
  return ops;
}

const std::vector<std::string_view>& acting_as_nobody() {
  static const std::vector<std::string_view> ops = {
      "agents",        "events",        "graph",          "graph.summary",
      "lease.list",    "mail.threads",  "mail.unacked",   "memory.list",
      "memory.search", "memory.stats",  "metrics",        "ping",
      "quality",       "ready",         "reservation.list", "status",
      "task.attempts",
      "tasks",
  };
  return ops;
}

namespace {

// What the request carries, for a message: "alice's token", "no token".
std::string carried(const std::optional<caller>& who) {
  if (!who) return "no token";
  return who->agent + "'s token";
}

// Whether `name` is an agent this database knows (registered before).
bool registered(engine& e, const std::string& name) {
  auto list = e.agents();
  if (!list) return false;
  return std::any_of(list->begin(), list->end(),
                     [&](const agent_status& a) { return a.name == name; });
}

} // namespace

std::optional<error> forbidden(engine& e, std::string_view op, const json::value& args,
                               const std::optional<caller>& who) {
  if (who && who->is_operator) return std::nullopt;
  const auto& only = operator_only();
  if (std::find(only.begin(), only.end(), op) != only.end())
    return error{errc::forbidden,
                 std::string{op} +
                     (op == "dashboard.link"     ? " signs a browser in as the operator"
                      : op == "quality.baseline" ? " runs the shell commands it is given"
                                                 : " removes files of the engine's") +
                     ": it needs the operator token; this request carries " +
                     carried(who)};
  const auto& edits = plan_edits();
  if (who && std::find(edits.begin(), edits.end(), op) != edits.end())
    return error{errc::forbidden, std::string{op} +
                                      " changes the plan for every agent: it needs the "
                                      "operator token; this request carries " +
                                      carried(who) +
                                      " (an agent adds the work it finds with task.add)"};
  auto rule = acting_rules().find(op);
  if (rule == acting_rules().end() || !args.is_object()) return std::nullopt;
  const auto& o = args.get_object();
  for (const char* key : rule->second) {
    auto* v = o.if_contains(key);
    const bool named = v != nullptr && v->is_string() && !v->get_string().empty();
    if (!named && who && op == "memory.forget")
      return error{errc::forbidden, "memory.forget with " + who->agent +
                                        "'s token records who forgets: say by=\"" +
                                        who->agent + "\" (swarm memory forget ID --agent " +
                                        who->agent + ")"};
    // Missing or not a string: the handler refuses it (bad_request) or acts as nobody.
    if (!named) continue;
    const std::string agent{v->get_string()};
    if (who && who->agent == agent) continue;
    if (op == "agent.register" && !registered(e, agent)) continue;
    return error{errc::forbidden, "acting as '" + agent + "' (" + std::string{op} +
                                      " " + key + ") needs " + agent +
                                      "'s token or the operator token; this request carries " +
                                      carried(who)};
  }
  return std::nullopt;
}

} // namespace swarm
