#pragma once
// `swarm memory add|search|forget|list|stats`: the memory system, through the running
// engine or on the database directly.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swarm::cli {

struct memory_commands {
  common_flags common;
  std::string type, kind, content, agent, task, ttl, mode = "hybrid", query, id;
  std::vector<std::string> tags;
  double importance = 0.5;
  uint32_t k = 10, limit = 50;
  CLI::App *add = nullptr, *search = nullptr, *forget = nullptr, *list = nullptr,
           *stats = nullptr;
};

void register_memory_commands(CLI::App& app, memory_commands& mc);

// The exit code of the command that was parsed; nullopt when none was.
std::optional<int> run_memory_commands(const memory_commands& mc);

} // namespace swarm::cli
