#pragma once
// The orders the ready list is shown in (the `ready` command, `swarm ready --sort`):
// what a person or a script picking work by hand sees first. Pure functions over a
// copy of the ready tasks and the graph's levels; the caller owns both. The claim
// strategies (strategy.hpp) decide claims; these only sort a listing.
//
//   priority (default)  P0 first, then plan order
//   oldest              plan order
//   graph               longest remaining chain (bottom level) first, then most leaves
//                       waiting (fan-out), then priority, then plan order
//
// "Plan order" is the order the tasks come in: every sort is stable.

#include <swarm/engine.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace swarm::strategies {

// persisted in scripts as the names below — never rename.
enum class ready_order : uint8_t { priority = 1, oldest = 2, graph = 3 };

const char* to_string(ready_order o) noexcept;
// "priority", "oldest", "graph"; nullopt for anything else.
std::optional<ready_order> parse_ready_order(std::string_view name) noexcept;

// One ready task in the listing, with its graph levels when the order used them.
struct ready_entry {
  const task* t = nullptr;
  const graph_report::row* level = nullptr; // null: no levels (not graph order, or a
                                            // task the graph did not have yet)
};

// `ready` in order `o`. `levels` are the graph's rows (any order; only graph order
// reads them); a ready task without a row sorts as a leaf with nothing behind it — it
// was added between the two reads.
// REQUIRES: `ready` and `levels` outlive the entries.
std::vector<ready_entry> order_ready(const std::vector<task>& ready, ready_order o,
                                     const std::vector<graph_report::row>& levels);

} // namespace swarm::strategies
