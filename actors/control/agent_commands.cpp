// The engine and agent commands of the control protocol: ping, status, agents,
// dashboard.link, the journal's (events, metrics), the quality gates' (quality,
// quality.baseline) and the run directories' (runs.gc).

#include "actors/control/dispatch_support.hpp"
#include "quality/record.hpp"

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

// The quality gates' record (quality/record.hpp): the newest "limit" (default 200)
// baselines and task snapshots, summed up as the baseline, the latest snapshot, the
// trend and the regressions.
expected<json::value> quality_record(engine& e, const json::value& args) {
  field_reader r{args};
  const auto limit = r.count("limit", 200);
  if (auto bad = refusal(r)) return *bad;
  auto baselines = e.events_of("quality.baseline", limit);
  if (!baselines) return baselines.error();
  auto snapshots = e.events_of("quality.snapshot", limit);
  if (!snapshots) return snapshots.error();
  return quality::summary(*baselines, *snapshots);
}

// Records a quality baseline now (engine::record_quality_baseline): "checks" (each a
// quality_check) run in a worktree at the tip of "integration_branch" (default: the
// branch checked out in "workdir", default the engine's directory); "merge_strategy"
// and "keep_failed" as for the agents when this opens the repository. Blocks while the
// checks run. Answers the baseline as the quality op shows it, "id" its event's seq.
expected<json::value> quality_baseline(engine& e, const json::value& args) {
  field_reader r{args};
  agent_options a;
  a.quality_checks = r.list<quality_check>("checks");
  a.workdir = r.text("workdir");
  a.integration_branch = r.text("integration_branch");
  a.merge_strategy = r.text("merge_strategy", a.merge_strategy);
  a.keep_failed = r.count("keep_failed", a.keep_failed);
  if (auto bad = refusal(r)) return *bad;
  auto made = e.record_quality_baseline(a);
  if (!made) return made.error();
  auto shown = quality::baseline_view(*made);
  if (!shown.is_object())
    return make_error(errc::internal, "the recorded baseline does not read back");
  json::object out{{"id", made->seq}};
  for (auto& kv : shown.as_object()) out.emplace(kv.key(), std::move(kv.value()));
  return answer(std::move(out));
}

// The run directories of finished tasks pruned (engine::collect_runs): "keep" the newest
// N, and/or those not written for "older_than_ms"; "dry_run" says what would go.
expected<json::value> runs_gc_op(engine& e, const json::value& args) {
  field_reader r{args};
  auto asked = r.as<runs_gc>();
  if (auto bad = refusal(r)) return *bad;
  return reply(e.collect_runs(asked));
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
      {"quality", quality_record},
      {"quality.baseline", quality_baseline},
      {"runs.gc", runs_gc_op},
  };
  return table;
}

} // namespace swarm
