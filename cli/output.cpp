#include "cli/output.hpp"

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

} // namespace

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

json::object summary_to_json(const run_summary& s) {
  json::array agents;
  for (const auto& a : s.agents)
    agents.push_back(
        json::object{{"name", a.name}, {"completed", a.completed}, {"failed", a.failed}});
  const auto& c = s.tasks;
  return json::object{
      {"success", s.success},
      {"seconds", s.elapsed_seconds},
      {"tasks", json::object{{"pending", c.pending},
                             {"ready", c.ready},
                             {"claimed", c.claimed},
                             {"completed", c.completed},
                             {"failed", c.failed},
                             {"blocked", c.blocked},
                             {"cancelled", c.cancelled},
                             {"total", c.total()}}},
      {"agents", std::move(agents)},
  };
}

void print_summary(const run_summary& s) {
  std::printf("%s in %.1fs: %s\n", s.success ? "done" : "stopped", s.elapsed_seconds,
              counts_line(s.tasks).c_str());
  for (const auto& a : s.agents)
    std::printf("  %-16s %llu completed, %llu failed attempts\n", a.name.c_str(),
                static_cast<unsigned long long>(a.completed),
                static_cast<unsigned long long>(a.failed));
  if (!s.success)
    std::printf("not every task completed: `swarm tasks` shows which failed or are "
                "blocked, and why\n");
}

void print_status(const json::value& v) {
  const auto& o = v.as_object();
  const auto& run = o.at("run");
  const auto& t = o.at("tasks").as_object();
  std::cout << "run: " << str(run, "state");
  if (!str(run, "session").empty())
    std::cout << " (session " << str(run, "session") << ")";
  std::cout << "  db: " << str(run, "db") << "\n";
  std::cout << "tasks: " << json::serialize(t.at("total")) << " total — ";
  bool first = true;
  for (const char* k :
       {"completed", "claimed", "ready", "pending", "failed", "blocked", "cancelled"}) {
    std::cout << (first ? "" : ", ") << json::serialize(t.at(k)) << " " << k;
    first = false;
  }
  std::cout << "\n";
  const auto& agents = o.at("agents").as_array();
  if (agents.empty()) return;
  std::cout << "agents:\n";
  for (const auto& a : agents)
    std::printf("  %-16s %-8s %-18s %s completed, %s failed\n", str(a, "name").c_str(),
                str(a, "state").c_str(), str(a, "current_task").c_str(),
                str(a, "completed").c_str(), str(a, "failed").c_str());
}

void print_tasks(const json::value& v) {
  const auto& list = v.as_object().at("tasks").as_array();
  for (const auto& t : list) {
    const auto id = str(t, "id");
    auto depth = std::count(id.begin(), id.end(), '.');
    std::printf("%-22s %-9s %s %*s%s\n", id.c_str(), str(t, "state").c_str(),
                str(t, "priority").c_str(), static_cast<int>(depth * 2), "",
                str(t, "title").c_str());
  }
  if (list.empty()) std::cout << "no tasks\n";
}

void print_task(const json::value& t) {
  std::cout << str(t, "id") << "  " << str(t, "title") << "\n"
            << "  state: " << str(t, "state") << "   priority: " << str(t, "priority")
            << "   attempts: " << str(t, "attempts") << "\n";
  if (!str(t, "claimed_by").empty())
    std::cout << "  claimed by: " << str(t, "claimed_by") << "\n";
  if (!str(t, "result").empty()) std::cout << "  result: " << str(t, "result") << "\n";
  auto list = [&](const char* key, const char* label) {
    auto* a = t.as_object().if_contains(key);
    if (a == nullptr || !a->is_array() || a->as_array().empty()) return;
    std::cout << "  " << label << ": ";
    bool first = true;
    for (const auto& x : a->as_array()) {
      std::cout << (first ? "" : ", ")
                << (x.is_string() ? std::string{x.get_string()} : json::serialize(x));
      first = false;
    }
    std::cout << "\n";
  };
  list("depends", "depends on");
  list("related", "related to");
  list("discovered_from", "discovered from");
  list("skills", "skills");
  list("files", "files");
  if (auto* d = t.as_object().if_contains("deferred_until_us");
      d != nullptr && d->is_int64() && d->get_int64() > 0) {
    const std::time_t secs = static_cast<std::time_t>(d->get_int64() / 1'000'000);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&secs));
    std::cout << "  deferred until: " << when << "\n";
  }
  if (!str(t, "source").empty())
    std::cout << "  declared at: " << str(t, "source") << "\n";
  list("now_ready", "now ready");
}

void print_load(const json::value& v) {
  std::cout << "plan " << str(v, "path") << ": " << str(v, "added") << " new task(s), "
            << str(v, "already_present") << " already known, " << str(v, "total")
            << " in the queue\n";
}

void print_claim(const json::value& v) {
  if (!v.as_object().at("claimed").as_bool()) {
    std::cout << "no task is ready\n";
    return;
  }
  std::cout << "claimed " << str(v, "id") << " (attempt " << str(v, "attempt")
            << "): " << str(v, "title") << "\n";
}

} // namespace swarm::cli

namespace swarm::cli {

namespace {

// "12 s ago", "3 min ago", "never".
std::string heartbeat_age(const json::value& a) {
  auto* v = a.as_object().if_contains("last_heartbeat_us");
  if (v == nullptr || !v->is_int64() || v->get_int64() <= 0) return "never";
  using namespace std::chrono;
  auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  auto s = std::max<int64_t>(0, (now - v->get_int64()) / 1'000'000);
  if (s < 120) return std::to_string(s) + " s ago";
  if (s < 7200) return std::to_string(s / 60) + " min ago";
  return std::to_string(s / 3600) + " h ago";
}

} // namespace

void print_agents(const json::value& v) {
  const auto& list = v.as_object().at("agents").as_array();
  if (list.empty()) {
    std::cout << "no agents\n";
    return;
  }
  std::printf("%-20s %-8s %-8s %-18s %-8s %s\n", "NAME", "KIND", "STATE", "TASK", "PID",
              "HEARTBEAT");
  for (const auto& a : list) {
    bool outside = a.as_object().contains("outside") && a.at("outside").as_bool();
    auto pid = str(a, "pid");
    std::printf("%-20s %-8s %-8s %-18s %-8s %s\n", str(a, "name").c_str(),
                outside ? "outside" : "local", str(a, "state").c_str(),
                str(a, "current_task").empty() ? "-" : str(a, "current_task").c_str(),
                pid == "0" ? "-" : pid.c_str(), heartbeat_age(a).c_str());
  }
}

void print_agent(const json::value& a) {
  std::cout << str(a, "name") << ": " << str(a, "state");
  if (!str(a, "current_task").empty()) std::cout << " on " << str(a, "current_task");
  std::cout << " (heartbeat " << heartbeat_age(a) << ")\n";
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

} // namespace swarm::cli
