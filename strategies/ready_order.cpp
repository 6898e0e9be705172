#include "strategies/ready_order.hpp"

#include "src/enum_names.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

namespace swarm::strategies {

namespace {

constexpr detail::dense_names<4> order_names = {"", "priority", "oldest", "graph"};

} // namespace

const char* to_string(ready_order o) noexcept {
  return detail::name_at(order_names, o);
}

std::optional<ready_order> parse_ready_order(std::string_view name) noexcept {
  return detail::value_at<ready_order>(order_names, name);
}

std::vector<ready_entry> order_ready(const std::vector<task>& ready, ready_order o,
                                     const std::vector<graph_report::row>& levels) {
  std::unordered_map<std::string, const graph_report::row*> level_of;
  if (o == ready_order::graph)
    for (const auto& r : levels)
      level_of.emplace(r.id, &r);
  std::vector<ready_entry> out;
  out.reserve(ready.size());
  for (const auto& t : ready) {
    auto it = level_of.find(t.spec.id);
    out.push_back({&t, it == level_of.end() ? nullptr : it->second});
  }
  auto by_priority = [](const ready_entry& x, const ready_entry& y) {
    return x.t->spec.priority < y.t->spec.priority;
  };
  if (o == ready_order::priority) std::stable_sort(out.begin(), out.end(), by_priority);
  if (o == ready_order::graph) {
    static const graph_report::row none;
    auto level = [](const ready_entry& e) -> const graph_report::row& {
      return e.level != nullptr ? *e.level : none;
    };
    std::stable_sort(out.begin(), out.end(),
                     [&](const ready_entry& x, const ready_entry& y) {
                       const auto& lx = level(x);
                       const auto& ly = level(y);
                       if (lx.bottom_level != ly.bottom_level)
                         return lx.bottom_level > ly.bottom_level;
                       if (lx.fan_out != ly.fan_out) return lx.fan_out > ly.fan_out;
                       return by_priority(x, y);
                     });
  }
  return out;
}

} // namespace swarm::strategies
