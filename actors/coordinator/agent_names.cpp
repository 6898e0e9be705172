#include "actors/coordinator/agent_names.hpp"

#include <array>
#include <cctype>

namespace swarm {

namespace {

constexpr std::array<const char*, 50> adjectives = {
  "brave",  "calm",   "clever", "eager",  "fair",   "gentle", "happy",  "jolly",
  "keen",   "kind",   "lively", "lucky",  "merry",  "mighty", "nimble", "noble",
  "proud",  "quick",  "quiet",  "rapid",  "ready",  "sharp",  "shy",    "silent",
  "smart",  "snowy",  "solid",  "steady", "sunny",  "swift",  "tidy",   "witty",
  "amber",  "azure",  "bold",   "bright", "cosmic", "crisp",  "daring", "fierce",
  "frank",  "golden", "grand",  "honest", "humble", "jade",   "loyal",  "polar",
  "royal",  "vivid",
};

constexpr std::array<const char*, 50> nouns = {
  "otter",  "heron",  "falcon", "badger", "beaver", "bison",  "cobra",  "condor",
  "coyote", "crane",  "dingo",  "eagle",  "ferret", "finch",  "fox",    "gecko",
  "gibbon", "hare",   "hawk",   "ibis",   "jackal", "koala",  "lemur",  "lynx",
  "marten", "moose",  "newt",   "ocelot", "orca",   "osprey", "owl",    "panda",
  "puffin", "quail",  "raven",  "robin",  "salmon", "seal",   "shrike", "sloth",
  "stork",  "swan",   "tapir",  "tiger",  "toucan", "viper",  "walrus", "wolf",
  "wombat", "yak",
};

} // namespace

std::optional<std::string> invalid_agent_name(std::string_view name) {
  if (name.empty())
    return "an agent name cannot be empty";
  if (name == "swarm")
    return "'swarm' is the engine's own name (it sends the swarm's event mail); choose "
           "another";
  if (name.size() > 64)
    return "agent name '" + std::string{name.substr(0, 20)} + "...' is longer than 64 characters";
  if (!std::isalnum(static_cast<unsigned char>(name.front())))
    return "agent name '" + std::string{name} + "' must start with a letter or a digit";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return "agent name '" + std::string{name} + "' has '" + std::string(1, c) +
             "'; use letters, digits, '-', '_' and '.'";
  return std::nullopt;
}

std::string generate_agent_name(uint64_t seed,
                                const std::function<bool(const std::string&)>& taken) {
  constexpr uint64_t combos = adjectives.size() * nouns.size();
  // A stride coprime with 2,500 visits every combination once.
  constexpr uint64_t stride = 1'237;
  // Nearby seeds (one session's agents) start far apart.
  uint64_t start = seed * 0x9E3779B97F4A7C15ull;
  start ^= start >> 29;
  start %= combos;
  for (uint64_t round = 1;; ++round) {
    for (uint64_t k = 0; k < combos; ++k) {
      uint64_t i = (start + k * stride) % combos;
      std::string name = std::string{adjectives[i / nouns.size()]} + "-" + nouns[i % nouns.size()];
      if (round > 1)
        name += "-" + std::to_string(round);
      if (!taken(name))
        return name;
    }
  }
}

} // namespace swarm
