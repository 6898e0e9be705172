// From a raw_plan to a plans::plan: ids, dependency resolution and every check that
// does not depend on the plan's syntax. Linear in the plan's size (hash maps for ids
// and titles), so six-figure plans load in a blink.

#include "plans/plan_builder.hpp"
#include "plans/plan_cycles.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace swarm::plans::detail {

namespace {

constexpr size_t max_candidates_listed = 5;
constexpr uint32_t no_task = UINT32_MAX;

// Drops repeated values, keeping the first of each.
template <class T> void dedupe_in_order(std::vector<T>& values) {
  if (values.size() < 2) return;
  std::vector<T> kept;
  kept.reserve(values.size());
  if (values.size() <= 16) {
    for (auto& v : values)
      if (std::find(kept.begin(), kept.end(), v) == kept.end())
        kept.push_back(std::move(v));
  } else {
    std::unordered_set<T> seen;
    for (auto& v : values)
      if (seen.insert(v).second) kept.push_back(std::move(v));
  }
  values = std::move(kept);
}

// "plan.md:12", "plan.json:14", or "plan.json:tasks[0]" when the line is unknown.
std::string task_place(const raw_plan& p, size_t task) {
  if (uint32_t line = p.tasks[task].line) return p.source + ":" + std::to_string(line);
  if (p.syntax == plan_syntax::json) return p.source + ":" + json_path(p, task);
  return p.source;
}

// "\"Token generation\" (plan.md:4)"
std::string task_label(const raw_plan& p, size_t task) {
  return "\"" + p.tasks[task].title + "\" (" + task_place(p, task) + ")";
}

// Root ids from hashes, child ids from positions.
std::vector<std::string> assign_ids(const raw_plan& raw,
                                    const std::vector<std::string>& titles) {
  const auto& tasks = raw.tasks;
  std::vector<std::string_view> root_titles;
  for (size_t i = 0; i < tasks.size(); ++i)
    if (tasks[i].parent < 0) root_titles.push_back(titles[i]);
  auto roots = assign_root_ids(raw.prefix, root_titles);
  std::vector<std::string> ids(tasks.size());
  size_t next_root = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const auto& t = tasks[i];
    ids[i] = t.parent < 0 ? std::move(roots[next_root++])
                          : ids[static_cast<size_t>(t.parent)] + "." +
                                std::to_string(t.position + 1);
  }
  return ids;
}

// Tasks nested deeper than raw.max_depth: only the top of each offending subtree,
// since everything below it goes once it is moved up.
void report_depth(raw_plan& raw) {
  if (raw.max_depth == 0) return;
  const auto& tasks = raw.tasks;
  std::vector<uint32_t> depth(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    depth[i] = tasks[i].parent < 0 ? 1 : depth[static_cast<size_t>(tasks[i].parent)] + 1;
    // A child is one level below its parent, so the top is exactly one past the limit.
    if (depth[i] != raw.max_depth + 1) continue;
    raw.problems.add(task_order(raw, i),
                     task_where(raw, i) + ": task '" + tasks[i].title + "' is nested " +
                         std::to_string(depth[i]) + " levels deep; the limit is " +
                         std::to_string(raw.max_depth) +
                         " — flatten the plan or raise the limit with --max-depth");
  }
}

// "A → B → C → A" for every dependency cycle among the plan's tasks.
void report_cycles(raw_plan& raw, const std::vector<std::vector<uint32_t>>& edges) {
  std::vector<int32_t> parents(raw.tasks.size());
  for (size_t i = 0; i < raw.tasks.size(); ++i)
    parents[i] = raw.tasks[i].parent;
  for (const auto& cycle : find_dependency_cycles(parents, edges)) {
    std::string path;
    for (uint32_t t : cycle)
      path += task_label(raw, t) + " → ";
    path += task_label(raw, cycle.front());
    raw.problems.add(task_order(raw, cycle.front()),
                     task_where(raw, cycle.front()) + ": dependency cycle " + path +
                         " — each task waits for the next, so none of them can start; "
                         "remove one of these dependencies");
  }
}

// Finds a plan's tasks by id or by normalised title. Each index is built on first
// use: most plans refer to tasks by title only.
class task_lookup {
public:
  struct matches {
    uint32_t first = no_task;
    uint32_t count = 0;
  };

  task_lookup(const std::vector<std::string>& ids, const std::vector<std::string>& titles)
      : ids_(ids), titles_(titles) {}

  uint32_t by_id(std::string_view id) {
    if (!by_id_built_) {
      by_id_built_ = true;
      by_id_.reserve(ids_.size());
      for (uint32_t i = 0; i < ids_.size(); ++i)
        by_id_.emplace(ids_[i], i);
    }
    auto it = by_id_.find(id);
    return it == by_id_.end() ? no_task : it->second;
  }

  matches by_title(std::string_view normalised) {
    if (!by_title_built_) {
      by_title_built_ = true;
      by_title_.reserve(titles_.size());
      next_same_.assign(titles_.size(), no_task);
      std::vector<uint32_t> last(titles_.size(), no_task);
      for (uint32_t i = 0; i < titles_.size(); ++i) {
        auto [it, added] = by_title_.try_emplace(titles_[i], matches{i, 1});
        if (!added) {
          next_same_[last[it->second.first]] = i;
          ++it->second.count;
        }
        last[it->second.first] = i;
      }
    }
    auto it = by_title_.find(normalised);
    return it == by_title_.end() ? matches{} : it->second;
  }

  // The next task in document order with the same title; no_task after the last.
  uint32_t next_same_title(uint32_t task) const { return next_same_[task]; }

private:
  const std::vector<std::string>& ids_;
  const std::vector<std::string>& titles_; // normalised
  std::unordered_map<std::string_view, uint32_t> by_id_;
  std::unordered_map<std::string_view, matches> by_title_;
  std::vector<uint32_t> next_same_;
  bool by_id_built_ = false;
  bool by_title_built_ = false;
};

} // namespace

void problem_list::add(uint64_t order, std::string message) {
  items_.emplace_back(order, std::move(message));
}

error problem_list::to_error() const {
  std::vector<size_t> order(items_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [this](size_t a, size_t b) {
    return items_[a].first < items_[b].first;
  });
  std::string message;
  for (size_t k = 0; k < order.size() && k < max_reported; ++k) {
    if (k) message += '\n';
    message += items_[order[k]].second;
  }
  if (order.size() > max_reported)
    message +=
        "\n... and " + std::to_string(order.size() - max_reported) + " more problems";
  return make_error(errc::invalid_plan, std::move(message));
}

std::string json_path(const raw_plan& p, size_t task) {
  std::vector<uint32_t> positions;
  for (auto t = static_cast<int64_t>(task); t >= 0;
       t = p.tasks[static_cast<size_t>(t)].parent)
    positions.push_back(p.tasks[static_cast<size_t>(t)].position);
  std::string out = p.json_top_array ? "" : "tasks";
  for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
    if (it != positions.rbegin()) out += ".children";
    out += "[" + std::to_string(*it) + "]";
  }
  return out;
}

std::string task_where(const raw_plan& p, size_t task, std::string_view field) {
  if (p.syntax == plan_syntax::markdown) return task_place(p, task);
  std::string out = p.source;
  if (uint32_t line = p.tasks[task].line) out += ":" + std::to_string(line);
  out += ": " + json_path(p, task);
  if (!field.empty()) out += "." + std::string(field);
  return out;
}

std::string ref_where(const raw_plan& p, size_t task, const raw_ref& ref) {
  if (p.syntax == plan_syntax::markdown)
    return p.source + ":" + std::to_string(ref.line ? ref.line : p.tasks[task].line);
  return task_where(p, task,
                    ref.index >= 0 ? "depends[" + std::to_string(ref.index) + "]"
                                   : std::string("depends"));
}

uint64_t task_order(const raw_plan& p, size_t task, uint32_t line) {
  if (p.syntax == plan_syntax::json) return task + 1;
  return line ? line : p.tasks[task].line;
}

expected<plan> build_plan(raw_plan raw) {
  const bool md = raw.syntax == plan_syntax::markdown;
  auto& tasks = raw.tasks;
  const auto n = static_cast<uint32_t>(tasks.size());
  if (!valid_prefix(raw.prefix))
    raw.problems.add(0, raw.source + ": id prefix \"" + raw.prefix +
                            "\" is not valid — use a lowercase letter followed by "
                            "lowercase letters, digits or '_' (e.g. \"sw\")");
  if (n == 0) {
    if (raw.problems.empty())
      raw.problems.add(0, raw.source + (md ? ": no tasks found — a plan needs at least "
                                             "one heading or list item"
                                           : ": no tasks found — a plan needs at least "
                                             "one task in \"tasks\""));
    return raw.problems.to_error();
  }

  report_depth(raw);

  std::vector<std::string> titles(n); // normalised
  for (uint32_t i = 0; i < n; ++i)
    titles[i] = normalise_title(tasks[i].title);
  std::vector<std::string> ids = assign_ids(raw, titles);

  task_lookup lookup(ids, titles);

  // Tasks come in document order with contiguous subtrees: task a's subtree is
  // [a, subtree_end[a]).
  std::vector<uint32_t> subtree_end(n);
  std::iota(subtree_end.begin(), subtree_end.end(), 1u);
  for (uint32_t i = n; i-- > 0;)
    if (tasks[i].parent >= 0) {
      auto& end = subtree_end[static_cast<size_t>(tasks[i].parent)];
      end = std::max(end, subtree_end[i]);
    }
  auto is_ancestor = [&](uint32_t a, uint32_t d) { return a < d && d < subtree_end[a]; };

  std::vector<std::vector<std::string>> depends(n);
  std::vector<std::vector<uint32_t>> edges(n);
  bool any_edge = false;
  for (uint32_t i = 0; i < n; ++i) {
    for (const auto& ref : tasks[i].depends) {
      auto text = trim(ref.text);
      auto problem = [&](const std::string& what) {
        raw.problems.add(task_order(raw, i, ref.line),
                         ref_where(raw, i, ref) + ": " + what);
      };
      auto subject = [&] {
        return (md ? "depends: \"" : "\"") + std::string(text) + "\"";
      };
      const bool id_shaped = looks_like_task_id(text);
      uint32_t j = id_shaped ? lookup.by_id(text) : no_task;
      if (j == no_task) {
        auto title = lookup.by_title(normalise_title(text));
        if (title.count > 1) {
          std::string listed;
          size_t shown = 0;
          for (uint32_t c = title.first; c != no_task && shown < max_candidates_listed;
               c = lookup.next_same_title(c), ++shown)
            listed += (shown ? ", " : "") + ids[c] + " (" + task_place(raw, c) + ")";
          if (title.count > shown) listed += ", ...";
          problem(subject() + " matches " + std::to_string(title.count) +
                  " tasks: " + listed + " — write the id of the one you mean");
          continue;
        }
        if (title.count == 0) {
          if (id_shaped)
            depends[i].emplace_back(text); // may name a task loaded earlier
          else
            problem(subject() + " matches no task in this plan — use a task title or id");
          continue;
        }
        j = title.first;
      }
      if (j == i) {
        problem(task_label(raw, i) + " depends on itself — remove it from its depends");
      } else if (is_ancestor(j, i)) {
        problem(task_label(raw, i) + " depends on its ancestor " + task_label(raw, j) +
                " — a parent completes only when its children do, so this would "
                "deadlock; remove it (a task already waits for its ancestors' own "
                "dependencies)");
      } else if (is_ancestor(i, j)) {
        problem(task_label(raw, i) + " depends on its own subtask " + task_label(raw, j) +
                " — a parent's dependencies hold back every task below it, so this "
                "would deadlock; remove it (a parent already completes only after its "
                "children)");
      } else {
        depends[i].push_back(ids[j]);
        edges[i].push_back(j);
        any_edge = true;
      }
    }
    dedupe_in_order(depends[i]);
    dedupe_in_order(edges[i]);
  }

  if (any_edge) report_cycles(raw, edges);

  if (!raw.problems.empty()) return raw.problems.to_error();

  plan out;
  out.path = raw.source;
  out.prefix = raw.prefix;
  out.tasks.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    auto& t = tasks[i];
    task_spec spec;
    spec.id = std::move(ids[i]);
    if (t.parent >= 0) spec.parent = out.tasks[static_cast<size_t>(t.parent)].id;
    spec.title = std::move(t.title);
    spec.description = std::move(t.description);
    spec.depends = std::move(depends[i]);
    spec.skills = std::move(t.skills);
    spec.priority = t.priority;
    spec.files = std::move(t.files);
    spec.estimate_minutes = t.estimate_minutes;
    spec.source = task_place(raw, i);
    out.tasks.push_back(std::move(spec));
  }
  return out;
}

} // namespace swarm::plans::detail
