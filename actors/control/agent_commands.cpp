// The engine and agent commands of the control protocol: ping, status, agents,
// dashboard.link, and the journal's: events, metrics.

#include "actors/control/dispatch_support.hpp"

#include <boost/json/parse.hpp>

namespace swarm {

namespace {

expected<json::value> ping(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  auto s = e.status();
  if (!s) return s.error();
  return answer({{"pong", true}, {"session", s->session}});
}

// The status report plus where the database is.
expected<json::value> status(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  auto s = reply(e.status());
  if (s) s->as_object()["run"].as_object()["db"] = e.opts().db_path;
  return s;
}

expected<json::value> agents(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  auto list = e.agents();
  if (!list) return list.error();
  return answer({{"agents", json::value_from(*list)}});
}

expected<json::value> agent_register(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.text("name");
  const auto skills = r.texts("skills");
  const auto model = r.text("model");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.register_agent(name, skills, model));
}

expected<json::value> agent_heartbeat(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.required_text("name");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.heartbeat(name));
}

expected<json::value> agent_set_state(engine& e, const json::value& args) {
  field_reader r{args};
  const auto name = r.required_text("name");
  // "running" is what an outside agent says; the engine calls it busy.
  const auto state = r.named(
      "state", agent_state::offline,
      [](std::string_view n) {
        return n == "running" ? std::optional<agent_state>{agent_state::busy}
                              : parse_agent_state(n);
      },
      [](const std::string& n) {
        return "agent state '" + n + "' is not one of running, stuck, idle";
      });
  if (!r.has("state")) r.required_text("state");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.set_agent_state(name, state));
}

// A fresh one-time sign-in link for the dashboard of the HTTP server this engine runs.
expected<json::value> dashboard_link(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  auto url = e.dashboard_link();
  if (!url) return url.error();
  return answer({{"url", *url}});
}

// Committed journal events after "since" (default 0), at most "limit" (default 1000).
expected<json::value> events(engine& e, const json::value& args) {
  field_reader r{args};
  const auto since = r.integer("since", 0);
  const auto limit = r.count("limit", 1000);
  if (auto bad = refusal(r)) return *bad;
  return reply(e.events(since, limit));
}

// The quality gates' record (quality.snapshot events, the newest "limit", default 200):
// the baseline, the latest task snapshot, every snapshot in order (the trend: per
// check, passed, errors, warnings, failing tests), and the snapshots that got worse.
expected<json::value> quality(engine& e, const json::value& args) {
  field_reader r{args};
  const auto limit = r.count("limit", 200);
  if (auto bad = refusal(r)) return *bad;
  auto records = e.events_of("quality.snapshot", limit);
  if (!records) return records.error();
  json::value baseline = nullptr, latest = nullptr;
  json::array trend, worse;
  for (const auto& entry : *records) {
    json::error_code ec;
    auto body = json::parse(entry.body, ec);
    if (ec || !body.is_object()) continue;
    auto& b = body.as_object();
    json::array checks;
    if (const auto* snap = b.if_contains("snapshot"); snap && snap->is_object())
      if (const auto* list = snap->as_object().if_contains("checks"); list && list->is_array())
        for (const auto& c : list->as_array()) {
          const auto& o = c.as_object();
          json::object point{{"name", o.at("name")}, {"passed", o.at("passed")},
                             {"errors", o.at("errors")}, {"warnings", o.at("warnings")}};
          const auto* failing = o.if_contains("failing_tests");
          point["failing_tests"] = failing && failing->is_array() ? failing->as_array().size() : 0;
          checks.push_back(std::move(point));
        }
    json::object point{{"seq", entry.seq}, {"ts_us", to_us(entry.ts)},
                       {"task", b["task"]}, {"attempt", b["attempt"]},
                       {"agent", b["agent"]}, {"baseline", b["baseline"]},
                       {"commit", b["commit"]}, {"regressions", b["regressions"]},
                       {"checks", std::move(checks)}};
    const bool is_baseline = b["baseline"].is_bool() && b["baseline"].get_bool();
    if (is_baseline)
      baseline = b["snapshot"];
    else
      latest = point;
    const auto* n = b.if_contains("regressions");
    if (n != nullptr && n->is_number() && n->to_number<int64_t>() > 0)
      worse.push_back(json::object{{"task", b["task"]}, {"attempt", b["attempt"]},
                                   {"agent", b["agent"]}, {"commit", b["commit"]},
                                   {"worse", b["worse"]}});
    trend.push_back(std::move(point));
  }
  return answer({{"baseline", std::move(baseline)}, {"latest", std::move(latest)},
                 {"trend", std::move(trend)}, {"regressions", std::move(worse)}});
}

expected<json::value> metrics(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  return reply(e.metrics());
}

} // namespace

const std::vector<command>& agent_commands() {
  static const std::vector<command> table = {
      {"ping", ping},
      {"status", status},
      {"agents", agents},
      {"agent.register", agent_register},
      {"agent.heartbeat", agent_heartbeat},
      {"agent.state", agent_set_state},
      {"dashboard.link", dashboard_link},
      {"events", events},
      {"metrics", metrics},
      {"quality", quality},
  };
  return table;
}

} // namespace swarm
