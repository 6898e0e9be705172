#include "cli/output.hpp"

#include "cli/client.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <vector>

namespace json = boost::json;

namespace swarm::cli {

namespace {

std::string str(const json::value& v, const char* key) {
  auto* x = v.as_object().if_contains(key);
  if (x == nullptr) return {};
  if (x->is_string()) return std::string{x->get_string()};
  return json::serialize(*x);
}

std::string counts_line(const task_counts& c) {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "%llu/%llu completed · %llu claimed · %llu ready · %llu pending · %llu failed"
      " · %llu blocked · %llu cancelled",
      static_cast<unsigned long long>(c.completed),
      static_cast<unsigned long long>(c.total()),
      static_cast<unsigned long long>(c.claimed),
      static_cast<unsigned long long>(c.ready),
      static_cast<unsigned long long>(c.pending),
      static_cast<unsigned long long>(c.failed),
      static_cast<unsigned long long>(c.blocked),
      static_cast<unsigned long long>(c.cancelled));
  return buf;
}

std::string dollars(double usd) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

// "budget: spent $1.20 of $1.00 — reached: no new claims"
std::string budget_line(const run_budget& b) {
  return "budget: spent " + dollars(b.spent_usd) + " of " + dollars(b.limit_usd) +
         (b.reached ? " — reached: no new claims" : "");
}

} // namespace

std::string usage_text(const model_usage& u) {
  std::string s = std::to_string(u.total_tokens()) + " tokens (" +
                  std::to_string(u.input_tokens) + " in, " + std::to_string(u.output_tokens) +
                  " out, " + std::to_string(u.cache_read_tokens) + " cache read, " +
                  std::to_string(u.cache_write_tokens) + " cache write), ";
  return s + (u.cost_usd ? dollars(*u.cost_usd) : std::string{"no cost reported"});
}

void progress_printer::update(const progress& p) {
  if (!enabled_) return;
  char head[32];
  std::snprintf(head, sizeof head, "[%6.1fs] ", p.elapsed_seconds);
  if (tty_) {
    std::cout << "\r\033[K" << head << counts_line(p.tasks) << std::flush;
    drawn_ = true;
    return;
  }
  auto now = std::chrono::steady_clock::now();
  uint64_t done = p.tasks.completed + p.tasks.failed;
  if (done == last_done_ || now - last_line_ < std::chrono::milliseconds(500)) return;
  last_done_ = done;
  last_line_ = now;
  std::cout << head << counts_line(p.tasks) << "\n" << std::flush;
}

void progress_printer::finish() {
  if (drawn_) std::cout << "\n";
  drawn_ = false;
}

void print_summary(const run_summary& s) {
  std::printf("%s in %.1fs: %s\n", s.success ? "done" : "stopped", s.elapsed_seconds,
              counts_line(s.tasks).c_str());
  for (const auto& a : s.agents)
    std::printf("  %-16s %llu completed, %llu failed attempts\n", a.name.c_str(),
                static_cast<unsigned long long>(a.completed),
                static_cast<unsigned long long>(a.failed));
  if (s.usage.runs > 0)
    std::printf("usage: %s over %llu model run(s)\n", usage_text(s.usage).c_str(),
                static_cast<unsigned long long>(s.usage.runs));
  if (s.budget) std::printf("%s\n", budget_line(*s.budget).c_str());
  if (s.budget && s.budget->reached) {
    std::printf("the run ended on its budget: %zu task(s) left unclaimed", s.unclaimed.size());
    for (size_t i = 0; i < s.unclaimed.size() && i < 20; ++i)
      std::printf("%s%s", i == 0 ? ": " : ", ", s.unclaimed[i].c_str());
    std::printf("%s\nto go on, run again with a higher --budget-usd (the spend above "
                "counts)\n",
                s.unclaimed.size() > 20 ? ", ..." : "");
    return;
  }
  if (!s.success && !s.stopped)
    std::printf("not every task completed: `swarm tasks` shows which failed or are "
                "blocked, and why\n");
}

void print_stopped(const run_summary& s, const std::string& resume) {
  std::printf("stopped on request: %zu task(s) handed back to ready", s.returned.size());
  for (size_t i = 0; i < s.returned.size(); ++i)
    std::printf("%s%s", i == 0 ? ": " : ", ", s.returned[i].c_str());
  std::printf("\nresume with: %s\n", resume.c_str());
}

void print_status(const json::value& v) {
  auto s = reply_as<status_report>(v);
  if (!s) return;
  std::cout << "run: " << to_string(s->run_state);
  if (!s->session.empty()) std::cout << " (session " << s->session << ")";
  const auto* run = v.as_object().if_contains("run");
  std::cout << "  db: " << (run != nullptr ? text_of(*run, "db") : std::string{}) << "\n";
  const auto& c = s->tasks;
  std::cout << "tasks: " << c.total() << " total — " << c.completed << " completed, "
            << c.claimed << " claimed, " << c.ready << " ready, " << c.pending
            << " pending, " << c.failed << " failed, " << c.blocked << " blocked, "
            << c.cancelled << " cancelled\n";
  std::cout << "usage: " << usage_text(s->usage) << " over " << s->usage.runs
            << " model run(s)\n";
  if (s->budget) std::cout << budget_line(*s->budget) << "\n";
  if (s->agents.empty()) return;
  std::cout << "agents:\n";
  for (const auto& a : s->agents)
    std::printf("  %-16s %-8s %-18s %llu completed, %llu failed, %llu tokens, %s\n",
                a.name.c_str(), to_string(a.state), a.current_task.c_str(),
                static_cast<unsigned long long>(a.completed),
                static_cast<unsigned long long>(a.failed),
                static_cast<unsigned long long>(a.usage.total_tokens()),
                a.usage.cost_usd ? dollars(*a.usage.cost_usd).c_str() : "no cost");
}

void print_attempts(const json::value& v) {
  auto a = reply_as<task_attempts>(v);
  if (!a) return;
  if (a->attempts.empty()) {
    std::cout << "  attempts: none\n";
    return;
  }
  std::cout << "  attempts:\n";
  for (const auto& at : a->attempts) {
    std::string how = at.outcome + (at.failure.empty() ? "" : " (" + at.failure + ")");
    std::printf("    #%u %-14s %-24s %s\n", at.attempt, at.agent.c_str(), how.c_str(),
                at.usage ? usage_text(*at.usage).c_str() : "no usage reported");
  }
  std::cout << "  total: " << usage_text(a->usage) << " over " << a->usage.runs
            << " model run(s)\n";
}

void print_tasks(const json::value& v) {
  auto list = reply_list<task>(v, "tasks");
  if (!list) return;
  for (const auto& t : *list) {
    const auto& id = t.spec.id;
    auto depth = std::count(id.begin(), id.end(), '.');
    std::printf("%-22s %-9s P%d %*s%s\n", id.c_str(), to_string(t.state), t.spec.priority,
                static_cast<int>(depth * 2), "", t.spec.title.c_str());
  }
  if (list->empty()) std::cout << "no tasks\n";
}

void print_task(const json::value& v) {
  auto c = reply_as<task_change>(v);
  if (!c) return;
  const auto& t = c->t;
  const auto& s = t.spec;
  std::cout << s.id << "  " << s.title << "\n"
            << "  state: " << to_string(t.state) << "   priority: P" << s.priority
            << "   attempts: " << t.attempts << "\n";
  if (!t.claimed_by.empty()) std::cout << "  claimed by: " << t.claimed_by << "\n";
  if (!t.result.empty()) std::cout << "  result: " << t.result << "\n";
  auto list = [&](const std::vector<std::string>& items, const char* label) {
    if (items.empty()) return;
    std::cout << "  " << label << ": ";
    for (size_t i = 0; i < items.size(); ++i)
      std::cout << (i ? ", " : "") << items[i];
    std::cout << "\n";
  };
  list(s.depends, "depends on");
  list(s.related, "related to");
  list(s.discovered_from, "discovered from");
  list(s.skills, "skills");
  list(s.files, "files");
  if (t.deferred_until != timestamp{}) {
    std::cout << "  deferred until: " << utc_text(t.deferred_until) << " UTC\n";
  }
  if (!s.source.empty()) std::cout << "  declared at: " << s.source << "\n";
  list(c->now_ready, "now ready");
}

void print_load(const json::value& v) {
  auto p = reply_as<plan_report>(v);
  if (!p) return;
  std::cout << "plan " << p->path << ": " << p->added << " new task(s), "
            << p->already_present << " already known, " << p->total << " in the queue\n";
}

void print_claim(const json::value& v) {
  if (!v.as_object().at("claimed").as_bool()) {
    std::cout << "no task is ready\n";
    return;
  }
  auto c = reply_as<claimed_task>(v);
  if (!c) return;
  std::cout << "claimed " << c->t.spec.id << " (attempt " << c->attempt
            << "): " << c->t.spec.title << "\n";
}

} // namespace swarm::cli

namespace swarm::cli {

namespace {

// "12 s ago", "3 min ago", "never".
std::string heartbeat_age(const agent_status& a) {
  if (a.last_heartbeat == timestamp{}) return "never";
  using namespace std::chrono;
  auto s = std::max<int64_t>(
      0, duration_cast<seconds>(system_clock::now() - a.last_heartbeat).count());
  if (s < 120) return std::to_string(s) + " s ago";
  if (s < 7200) return std::to_string(s / 60) + " min ago";
  return std::to_string(s / 3600) + " h ago";
}

} // namespace

void print_agents(const json::value& v) {
  auto list = reply_list<agent_status>(v, "agents");
  if (!list) return;
  if (list->empty()) {
    std::cout << "no agents\n";
    return;
  }
  std::printf("%-20s %-8s %-8s %-18s %-8s %-12s %-12s %s\n", "NAME", "KIND", "STATE",
              "TASK", "PID", "HEARTBEAT", "TOKENS", "COST");
  model_usage total;
  for (const auto& a : *list) {
    const auto pid = a.pid == 0 ? std::string{"-"} : std::to_string(a.pid);
    std::printf("%-20s %-8s %-8s %-18s %-8s %-12s %-12llu %s\n", a.name.c_str(),
                a.outside ? "outside" : "local", to_string(a.state),
                a.current_task.empty() ? "-" : a.current_task.c_str(), pid.c_str(),
                heartbeat_age(a).c_str(),
                static_cast<unsigned long long>(a.usage.total_tokens()),
                a.usage.cost_usd ? dollars(*a.usage.cost_usd).c_str() : "-");
    add_usage(total, a.usage);
  }
  std::cout << "total: " << usage_text(total) << " over " << total.runs
            << " model run(s)\n";
}

void print_agent(const json::value& v) {
  auto a = reply_as<agent_status>(v);
  if (!a) return;
  std::cout << a->name << ": " << to_string(a->state);
  if (!a->current_task.empty()) std::cout << " on " << a->current_task;
  std::cout << " (heartbeat " << heartbeat_age(*a) << ")\n";
  if (a->token)
    std::cout << "token: " << *a->token << "\n"
              << "Keep this token: it is shown only now (swarm stores only its hash). "
                 "The agent passes it as SWARM_AGENT_TOKEN; registering again makes a "
                 "new one and this one stops working.\n";
}

} // namespace swarm::cli

namespace swarm::cli {

void print_graph(const json::value& v) {
  const auto& o = v.as_object();
  std::map<std::string, const json::value*> by_id;
  for (const auto& t : o.at("tasks").as_array())
    by_id[str(t, "id")] = &t;
  std::cout << "critical path: " << json::serialize(o.at("critical_length"))
            << " (minutes of estimated work; 1 per task without an estimate)\n";
  for (const auto& id : o.at("critical_path").as_array()) {
    const auto* t = by_id[std::string{id.as_string()}];
    std::printf("  %-22s %6s  %s\n", std::string{id.as_string()}.c_str(),
                t != nullptr ? str(*t, "weight").c_str() : "",
                t != nullptr ? str(*t, "title").c_str() : "");
  }
  std::vector<const json::value*> leaves;
  for (const auto& t : o.at("tasks").as_array())
    if (t.as_object().at("leaf").as_bool() && str(t, "state") != "completed")
      leaves.push_back(&t);
  std::stable_sort(leaves.begin(), leaves.end(),
                   [](const json::value* a, const json::value* b) {
                     return a->at("bottom_level").to_number<double>() >
                            b->at("bottom_level").to_number<double>();
                   });
  if (leaves.empty()) return;
  std::printf("\n%-22s %-9s %7s %7s %7s %5s %5s  %s\n", "TASK", "STATE", "WEIGHT",
              "START", "CHAIN", "DEPTH", "FAN", "TITLE");
  for (const auto* t : leaves)
    std::printf("%-22s %-9s %7s %7s %7s %5s %5s  %s\n", str(*t, "id").c_str(),
                str(*t, "state").c_str(), str(*t, "weight").c_str(),
                str(*t, "top_level").c_str(), str(*t, "bottom_level").c_str(),
                str(*t, "depth").c_str(), str(*t, "fan_out").c_str(),
                str(*t, "title").c_str());
}

namespace {

// One snapshot's checks on a line: "test passed (0 failing tests), 0 errors, 2 warnings".
std::string checks_line(const json::value& checks) {
  std::string out;
  for (const auto& c : checks.as_array()) {
    const auto& o = c.as_object();
    const auto count = [&](const char* key) {
      const auto* v = o.if_contains(key);
      return v != nullptr && v->is_number() ? std::to_string(v->to_number<int64_t>()) : "?";
    };
    const auto* passed = o.if_contains("passed");
    const auto* failing = o.if_contains("failing_tests");
    out += (out.empty() ? "" : "; ") + str(c, "name") + " " +
           (passed != nullptr && passed->is_bool() && passed->get_bool() ? "passed"
                                                                          : "failed") +
           (failing != nullptr && failing->is_array()
                ? " (" + std::to_string(failing->as_array().size()) + " failing tests)"
                : failing != nullptr ? " (" + count("failing_tests") + " failing tests)"
                                     : "") +
           ", " + count("errors") + " errors, " + count("warnings") + " warnings";
  }
  return out.empty() ? "no checks" : out;
}

} // namespace

void print_quality(const json::value& v) {
  const auto& o = v.as_object();
  const auto& base = o.at("baseline");
  if (base.is_null()) {
    std::cout << "no quality baseline yet: `swarm quality baseline` records one, and a run "
                 "with [quality.<name>] checks and --isolation worktree takes one at start\n";
    return;
  }
  std::cout << "baseline at " << str(base, "commit").substr(0, 12) << " ("
            << str(base, "integration") << ", by " << str(base, "by") << "): "
            << checks_line(base.at("checks")) << "\n";
  const auto& latest = o.at("latest");
  if (!latest.is_null())
    std::cout << "latest: " << str(latest, "task") << " attempt " << str(latest, "attempt")
              << " at " << str(latest, "commit").substr(0, 12) << ": "
              << checks_line(latest.at("checks")) << "\n";
  std::cout << "\ntrend (oldest first):\n";
  for (const auto& p : o.at("trend").as_array()) {
    const bool is_base = p.at("baseline").is_bool() && p.at("baseline").get_bool();
    std::printf("  %-22s %-12s %s%s\n", is_base ? "(baseline)" : str(p, "task").c_str(),
                str(p, "commit").substr(0, 12).c_str(), checks_line(p.at("checks")).c_str(),
                str(p, "regressions") != "0" ? "  — worse" : "");
  }
  const auto& worse = o.at("regressions").as_array();
  std::cout << "\nregressions: " << worse.size() << "\n";
  for (const auto& w : worse) {
    std::cout << "  " << str(w, "task") << " attempt " << str(w, "attempt") << " ("
              << str(w, "agent") << "):";
    for (const auto& g : w.at("worse").as_array())
      std::cout << " " << str(g, "check") << " " << str(g, "kind")
                << (str(g, "detail").empty() ? "" : " (" + str(g, "detail") + ")");
    std::cout << "\n";
  }
}

void print_quality_baseline(const json::value& v) {
  std::cout << "quality baseline recorded for " << str(v, "integration") << " at "
            << str(v, "commit").substr(0, 12) << ": " << checks_line(v.at("checks")) << "\n";
  const auto* adopted = v.as_object().if_contains("adopted");
  if (adopted != nullptr && adopted->is_bool() && adopted->get_bool())
    std::cout << "the running agents judge the work they finish from now on against it\n";
}

void print_graph_summary(const json::value& v) {
  auto g = reply_as<graph_summary>(v);
  if (!g) return;
  std::printf("%llu tasks in %zu groups (%u generation(s) below the roots); critical path "
              "%g min",
              static_cast<unsigned long long>(g->tasks), g->groups.size(), g->level,
              g->critical_length);
  for (size_t i = 0; i < g->critical_path.size(); ++i)
    std::printf("%s%s", i == 0 ? ": " : " -> ", g->critical_path[i].c_str());
  std::printf("\n\n%-22s %7s %13s %5s  %s\n", "GROUP", "TASKS", "LEAVES DONE", "DEPTH",
              "TITLE");
  for (const auto& grp : g->groups)
    std::printf("%-22s %7llu %6llu/%-6llu %5u  %s\n", grp.id.c_str(),
                static_cast<unsigned long long>(grp.tasks),
                static_cast<unsigned long long>(grp.leaves.completed),
                static_cast<unsigned long long>(grp.leaves.total()), grp.depth,
                grp.title.c_str());
  if (g->links.empty()) return;
  std::printf("\n%-22s %-22s %12s\n", "FROM", "TO", "DEPENDENCIES");
  for (const auto& l : g->links)
    std::printf("%-22s %-22s %12llu\n", l.from.c_str(), l.to.c_str(),
                static_cast<unsigned long long>(l.dependencies));
}

} // namespace swarm::cli
