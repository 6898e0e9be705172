#pragma once
// Agent names: validation, and memorable generated ones ("brave-otter"). Plain C++.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace swarm {

// Why `name` is not a valid agent name, or nullopt when it is: 1-64 characters of
// letters, digits, '-', '_' and '.', starting with a letter or digit.
std::optional<std::string> invalid_agent_name(std::string_view name);

// An adjective-noun name for which `taken` is false; `seed` picks where to start, so
// different sessions hand out different names. After the 2,500 plain combinations are
// exhausted, a number is appended ("brave-otter-2").
std::string generate_agent_name(uint64_t seed, const std::function<bool(const std::string&)>& taken);

} // namespace swarm
