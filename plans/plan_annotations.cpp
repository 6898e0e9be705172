// Task annotations — depends, skills, priority, files, estimate — as both front-ends
// write them: one grammar for the values, one set of messages, hints spelled in the
// plan's own syntax.

#include "plans/plan_builder.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace swarm::plans::detail {

namespace {

constexpr std::array<const char*, 5> annotation_names = {"depends", "skills", "priority",
                                                         "files", "estimate"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

// Where a problem with one annotation of `task` is reported.
std::string annotation_where(const raw_plan& p, size_t task, annotation key,
                             uint32_t line, int32_t index) {
  if (p.syntax == plan_syntax::markdown) return p.source + ":" + std::to_string(line);
  std::string field = to_string(key);
  if (index >= 0) field += "[" + std::to_string(index) + "]";
  return task_where(p, task, field);
}

// Markdown names the key in the message; JSON's path already does.
std::string subject(const raw_plan& p, annotation key, std::string_view value) {
  std::string quoted = "\"" + std::string(value) + "\"";
  return p.syntax == plan_syntax::markdown ? to_string(key) + (" " + quoted) : quoted;
}

std::string example(const raw_plan& p, annotation key) {
  bool md = p.syntax == plan_syntax::markdown;
  switch (key) {
  case annotation::depends:
    return md ? "\"depends: Token generation\"" : "\"depends\": [\"Token generation\"]";
  case annotation::skills:
    return md ? "\"skills: cpp, sql\"" : "\"skills\": [\"cpp\", \"sql\"]";
  case annotation::priority:
    return md ? "\"priority: P1\"" : "\"priority\": \"P1\" (or 1)";
  case annotation::files:
    return md ? "\"files: src/auth/*.cpp\"" : "\"files\": [\"src/auth/*.cpp\"]";
  case annotation::estimate:
    return md ? "\"estimate: 30m\" (or 2h, 1h30m, 1d = 8h of work)"
              : "\"estimate\": \"30m\" (or \"2h\", \"1h30m\", \"1d\" = 8h of work, or "
                "a number of minutes)";
  }
  return {};
}

template <class T> void push_unique(std::vector<T>& list, T value) {
  if (std::find(list.begin(), list.end(), value) == list.end())
    list.push_back(std::move(value));
}

// Records that `key` was given; a second priority or estimate is a problem.
bool first_time(raw_plan& p, size_t task, annotation key, uint32_t line) {
  auto& t = p.tasks[task];
  bool* seen = key == annotation::priority   ? &t.has_priority
               : key == annotation::estimate ? &t.has_estimate
                                             : nullptr;
  if (!seen) return true;
  if (*seen) {
    p.problems.add(task_order(p, task, line), annotation_where(p, task, key, line, -1) +
                                                  ": " + to_string(key) +
                                                  " is given twice — keep one");
    return false;
  }
  *seen = true;
  return true;
}

} // namespace

std::optional<annotation> parse_annotation_key(std::string_view key) {
  for (size_t i = 0; i < annotation_names.size(); ++i)
    if (iequals(key, annotation_names[i])) return static_cast<annotation>(i);
  return std::nullopt;
}

const char* to_string(annotation a) {
  return annotation_names[static_cast<size_t>(a)];
}

std::optional<std::pair<annotation, std::string_view>>
split_annotation_line(std::string_view line) {
  line = trim(line);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto key = parse_annotation_key(trim(line.substr(0, colon)));
  if (!key) return std::nullopt;
  return std::make_pair(*key, trim(line.substr(colon + 1)));
}

void apply_annotation(raw_plan& p, size_t task, annotation key, std::string_view value,
                      uint32_t line, int32_t index) {
  value = trim(value);
  auto problem = [&](const std::string& what) {
    p.problems.add(task_order(p, task, line),
                   annotation_where(p, task, key, line, index) + ": " + what);
  };
  std::vector<std::string> items;
  if (key == annotation::depends || key == annotation::skills ||
      key == annotation::files) {
    if (index >= 0) {
      if (!value.empty()) items.emplace_back(value);
    } else {
      items = split_list(value);
    }
    if (items.empty()) {
      bool md = p.syntax == plan_syntax::markdown;
      problem((md ? std::string(to_string(key)) + " has no value" : "is empty") +
              " — write e.g. " + example(p, key) + (md ? " or remove the line" : ""));
      return;
    }
  }
  auto& t = p.tasks[task];
  switch (key) {
  case annotation::depends:
    for (auto& item : items)
      t.depends.push_back(raw_ref{std::move(item), line, index});
    break;
  case annotation::skills:
    for (auto& item : items)
      push_unique(t.skills, lowercase(item));
    break;
  case annotation::files:
    for (auto& item : items)
      push_unique(t.files, std::move(item));
    break;
  case annotation::priority:
    if (!first_time(p, task, key, line)) return;
    if (auto prio = parse_priority(value))
      t.priority = *prio;
    else
      problem(subject(p, key, value) + " is not one of P0..P4 — write e.g. " +
              example(p, key));
    break;
  case annotation::estimate:
    if (!first_time(p, task, key, line)) return;
    if (auto minutes = parse_estimate(value))
      t.estimate_minutes = *minutes;
    else
      problem(subject(p, key, value) + " is not a duration — write e.g. " +
              example(p, key));
    break;
  }
}

void apply_annotation_number(raw_plan& p, size_t task, annotation key, int64_t value,
                             uint32_t line) {
  if (!first_time(p, task, key, line)) return;
  auto& t = p.tasks[task];
  std::string where = annotation_where(p, task, key, line, -1);
  if (key == annotation::priority) {
    if (value >= min_priority && value <= max_priority)
      t.priority = static_cast<int>(value);
    else
      p.problems.add(task_order(p, task, line), where + ": " + std::to_string(value) +
                                                    " is not one of 0..4 — write e.g. " +
                                                    example(p, key));
  } else if (key == annotation::estimate) {
    if (value >= 0 && value <= int64_t{std::numeric_limits<uint32_t>::max()})
      t.estimate_minutes = static_cast<uint32_t>(value);
    else
      p.problems.add(task_order(p, task, line),
                     where + ": " + std::to_string(value) +
                         " is not a number of minutes — write e.g. " + example(p, key));
  }
}

} // namespace swarm::plans::detail
