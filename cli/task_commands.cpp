#include "cli/task_commands.hpp"

#include "cli/output.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>

namespace json = boost::json;

namespace swarm::cli {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

} // namespace

std::optional<int> parse_priority_flag(const std::string& text) {
  std::string t = text;
  if (!t.empty() && (t[0] == 'P' || t[0] == 'p')) t.erase(0, 1);
  if (t.size() != 1 || t[0] < '0' || t[0] > '4') return std::nullopt;
  return t[0] - '0';
}

std::optional<uint32_t> parse_estimate_flag(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(),
                  [](unsigned char c) { return std::isdigit(c); }))
    return static_cast<uint32_t>(std::stoul(text));
  if (text.back() == 'd') {
    auto hours = parse_duration_ms(text.substr(0, text.size() - 1) + "h");
    if (!hours) return std::nullopt;
    return static_cast<uint32_t>(std::ceil(*hours * 8.0 / 60'000.0));
  }
  auto ms = parse_duration_ms(text);
  if (!ms || text.find_first_of("mh") == std::string::npos) return std::nullopt;
  return static_cast<uint32_t>(std::ceil(static_cast<double>(*ms) / 60'000.0));
}

std::optional<int64_t> parse_until_flag(const std::string& text, int64_t now_us) {
  if (text == "now") return now_us;
  if (!text.empty() &&
      (text[0] == '+' || std::isalpha(static_cast<unsigned char>(text.back())))) {
    auto ms = parse_duration_ms(text[0] == '+' ? text.substr(1) : text);
    if (ms && text.find('-') == std::string::npos && text.find(':') == std::string::npos)
      return now_us + *ms * 1000;
  }
  // YYYY-MM-DD[THH:MM[:SS]][Z], UTC.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = -1;
  const char* t = text.c_str();
  if (std::sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) < 6) {
    s = 0;
    used = -1;
    if (std::sscanf(t, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &used) < 5) {
      h = mi = 0;
      used = -1;
      if (std::sscanf(t, "%4d-%2d-%2d%n", &y, &mo, &d, &used) < 3) return std::nullopt;
    }
  }
  const std::string rest =
      used < 0 ? std::string{"?"} : text.substr(static_cast<size_t>(used));
  if ((!rest.empty() && rest != "Z") || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
      h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
    return std::nullopt;
  const int64_t days =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60'000'000 + int64_t{s} * 1'000'000;
}

int show_task(const common_flags& f, const std::string& id) {
  engine_link link{f, false};
  auto t = call(link, "tasks", {{"id", id}});
  if (!t) return fail(t.error());
  auto a = call(link, "task.attempts", {{"id", id}});
  if (!a) return fail(a.error());
  if (f.json_out) {
    auto merged = t->as_object();
    merged["attempts"] = a->as_object()["attempts"];
    merged["usage"] = a->as_object()["usage"];
    std::cout << json::serialize(merged) << "\n";
    return 0;
  }
  print_task(*t);
  print_attempts(*a);
  return 0;
}

void register_task_commands(CLI::App& app, task_commands& tc) {
  auto* task =
      app.add_subcommand("task", "task operations: add, update, cancel, reopen, defer");
  task->require_subcommand(1);
  tc.add = task->add_subcommand("add", "add a task (a new root, or under --parent)");
  tc.add->add_option("title", tc.title, "the task's title")->required();
  tc.update = task->add_subcommand("update", "change a task's fields");
  tc.update->add_option("id", tc.id, "task id")->required();
  tc.update->add_option("--title", tc.title, "new title");
  for (auto* c : {tc.add, tc.update}) {
    c->add_option("--description", tc.description, "Markdown text under the title");
    c->add_option("--priority", tc.priority, "P0 (most urgent) .. P4");
    c->add_option("--skills", tc.skills, "skills, comma separated")->delimiter(',');
    c->add_option("--files", tc.files, "files or globs it will touch, comma separated")
        ->delimiter(',');
    c->add_option("--estimate", tc.estimate, "30m, 2h, 1d (8h) or minutes");
  }
  tc.add->add_option("--parent", tc.parent,
                     "parent task id (the new task is <parent>.N)");
  tc.add->add_option("--prefix", tc.prefix,
                     "a new root's id prefix (default: the engine's)");
  tc.add->add_option("--depends", tc.depends, "ids it waits for, comma separated")
      ->delimiter(',');
  tc.cancel = task->add_subcommand("cancel", "cancel a task and its unfinished subtasks");
  tc.cancel->add_option("id", tc.id, "task id")->required();
  tc.cancel->add_option("--reason", tc.reason, "why (kept as the task's result)");
  tc.reopen =
      task->add_subcommand("reopen", "run a completed, failed or cancelled task again");
  tc.reopen->add_option("id", tc.id, "task id")->required();
  tc.defer = task->add_subcommand("defer", "keep a task from being claimed until a time");
  tc.defer->add_option("id", tc.id, "task id")->required();
  tc.defer
      ->add_option(
          "--until", tc.until,
          "+30m or 2h from now, 2026-12-01[T09:30[:00]][Z] UTC, or now (lift it)")
      ->required();

  auto* dep = app.add_subcommand("dep", "dependencies between tasks: add, rm");
  dep->require_subcommand(1);
  tc.dep_add = dep->add_subcommand("add", "TASK depends on ON");
  tc.dep_add
      ->add_option("--kind", tc.kind,
                   "blocks (holds TASK back), related, discovered-from")
      ->capture_default_str()
      ->check(CLI::IsMember({"blocks", "related", "discovered-from"}));
  tc.dep_rm = dep->add_subcommand("rm", "remove TASK's dependency on ON");
  for (auto* c : {tc.dep_add, tc.dep_rm}) {
    c->add_option("task", tc.id, "the dependent task")->required();
    c->add_option("on", tc.other, "the task it depends on")->required();
  }
  for (auto* c :
       {tc.add, tc.update, tc.cancel, tc.reopen, tc.defer, tc.dep_add, tc.dep_rm})
    add_common(c, tc.common);
}

std::optional<int> run_task_commands(const task_commands& tc) {
  const common_flags& f = tc.common;
  auto send = [&](const char* op, json::object args) {
    return print_result(call(f, op, std::move(args), true), f.json_out, print_task);
  };
  if (tc.dep_add->parsed())
    return send("dep.add", {{"task", tc.id}, {"on", tc.other}, {"kind", tc.kind}});
  if (tc.dep_rm->parsed()) return send("dep.rm", {{"task", tc.id}, {"on", tc.other}});
  if (tc.cancel->parsed())
    return send("task.cancel", {{"id", tc.id}, {"reason", tc.reason}});
  if (tc.reopen->parsed()) return send("task.reopen", {{"id", tc.id}});
  if (tc.defer->parsed()) {
    using namespace std::chrono;
    const int64_t now =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    auto until = parse_until_flag(tc.until, now);
    if (!until)
      return usage("--until takes +30m, 2h, 2026-12-01, 2026-12-01T09:30Z or now, not '" +
                   tc.until + "'");
    return send("task.defer", {{"id", tc.id}, {"until_us", *until}});
  }
  if (!tc.add->parsed() && !tc.update->parsed()) return std::nullopt;

  const CLI::App* c = tc.add->parsed() ? tc.add : tc.update;
  auto given = [&](const char* flag) { return c->count(flag) > 0; };
  std::optional<int> priority;
  if (given("--priority")) {
    priority = parse_priority_flag(tc.priority);
    if (!priority)
      return usage("--priority takes P0 (most urgent) to P4, not '" + tc.priority + "'");
  }
  std::optional<uint32_t> estimate;
  if (given("--estimate")) {
    estimate = parse_estimate_flag(tc.estimate);
    if (!estimate)
      return usage("--estimate takes 30m, 2h, 1.5h, 1d or minutes, not '" + tc.estimate +
                   "'");
  }
  if (tc.add->parsed()) {
    new_task t;
    t.title = tc.title;
    t.description = tc.description;
    t.parent = tc.parent;
    t.prefix = tc.prefix;
    t.depends = tc.depends;
    t.skills = tc.skills;
    t.files = tc.files;
    t.priority = priority.value_or(default_priority);
    t.estimate_minutes = estimate.value_or(0);
    return send("task.add", args_of(t));
  }
  task_update u;
  if (given("--title")) u.title = tc.title;
  if (given("--description")) u.description = tc.description;
  u.priority = priority;
  if (given("--skills")) u.skills = tc.skills;
  if (given("--files")) u.files = tc.files;
  u.estimate_minutes = estimate;
  auto args = args_of(u);
  args["id"] = tc.id;
  return send("task.update", std::move(args));
}

} // namespace swarm::cli
