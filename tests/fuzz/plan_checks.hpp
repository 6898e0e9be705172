#pragma once
// The properties every loaded plan has, whatever text it came from: nothing is ever
// half-loaded, so a plan that loads is whole — ids unique and of the id shape, every
// parent loaded before its child, every dependency and link to a task of the plan or
// by id to one loaded earlier, no task depending on itself, priorities in range — and a
// refusal says what was wrong.

#include "plans/plan_loader.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <set>
#include <string>

namespace swarm::fuzz {

inline void check_loaded(const expected<plans::plan>& loaded) {
  if (!loaded) {
    require(loaded.error().code == errc::invalid_plan,
            "a plan is refused only as invalid_plan: " + loaded.error().to_string());
    require(!loaded.error().message.empty(), "a refusal says what was wrong");
    return;
  }
  std::set<std::string> seen;
  for (const auto& t : loaded->tasks) {
    require(plans::looks_like_task_id(t.id), "a task id has the id shape: " + t.id);
    require(seen.insert(t.id).second, "task ids are unique: " + t.id);
    require(t.parent.empty() || seen.count(t.parent) == 1,
            "a parent comes before its child: " + t.id);
    require(t.priority >= 0 && t.priority <= 4, "priority in 0..4: " + t.id);
  }
  for (const auto& t : loaded->tasks)
    for (const auto* list : {&t.depends, &t.related})
      for (const auto& d : *list) {
        // Outside the plan only by id: a task loaded earlier, which the engine resolves
        // when it adds the plan (refusing the whole plan when there is none).
        require(seen.count(d) == 1 || plans::looks_like_task_id(d),
                "a link names a task of the plan, or an id: " + t.id + " -> " + d);
        require(d != t.id, "no task links to itself: " + t.id);
      }
}

} // namespace swarm::fuzz
