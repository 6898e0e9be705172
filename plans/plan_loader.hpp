#pragma once
// Plan loaders: Markdown (parsed with cmark) and JSON (Boost.JSON) plans become a
// plans::plan — task specs with final ids, parents before children, dependencies
// resolved to ids. Plain C++: no CAF, no SQLite; any thread may call these.
//
// A bad plan yields errc::invalid_plan whose message lists every problem found, one
// per line, each as "<file>:<line>: <what is wrong> — <what to do>" (JSON plans name
// the field path instead of a line where the line is not meaningful, e.g.
// "plan.json: tasks[2].children[0].priority: ..."). Nothing is ever half-loaded:
// either the whole plan is returned or an error.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::plans {

// A loaded plan before it reaches the engine: tasks in document order, every parent
// before its children.
struct plan {
  std::string path;
  std::string prefix = "sw";
  std::vector<task_spec> tasks;
};

struct load_options {
  std::string prefix = "sw"; // id prefix for root tasks; a plan's own prefix wins
  // Task levels allowed, a root being 1; a plan with a deeper task is refused. 8 is
  // deeper than any plan a person reads. 0: no limit.
  unsigned max_depth = 8;
};

// Reads `path` and parses it as JSON when it ends in ".json" (or its first
// non-blank character is '{' or '['), as Markdown otherwise.
expected<plan> load_plan_file(const std::string& path, const load_options& opts = {});

// `source` names the text in error messages and task_spec::source ("plan.md").
expected<plan> parse_markdown(std::string_view text, std::string_view source,
                              const load_options& opts = {});
expected<plan> parse_json(std::string_view text, std::string_view source,
                          const load_options& opts = {});

// Deterministic root id: "<prefix>-<hex>", the hex being the first `length` digits of
// a stable 64-bit hash of the normalised title and its occurrence number among
// roots with the same title. Exposed for tests and for callers that add roots.
std::string root_id(std::string_view prefix, std::string_view title, unsigned occurrence,
                    unsigned length);

// The id for one root added to `roots_existing` roots already loaded: the title's
// hash (occurrence 0) at the length a plan of roots_existing + 1 roots would use,
// lengthened while `taken` says the id exists — the same rule a plan applies to its
// later roots. Deterministic for the same arguments and the same `taken`.
std::string new_root_id(std::string_view prefix, std::string_view title,
                        size_t roots_existing,
                        const std::function<bool(std::string_view)>& taken);

// True when `text` has the shape of a task id ("sw-a3f8", "sw-a3f8.1.2").
bool looks_like_task_id(std::string_view text);

} // namespace swarm::plans
