#pragma once
// Replay: rebuilds the projections from the journal in a scratch database and compares
// them with the live ones. Reads the live database through one read transaction (a
// consistent snapshot even while an engine writes it); never writes it.

#include <swarm/error.hpp>

#include <cstdint>
#include <string>

namespace swarm::persistence {

struct replay_report {
  int64_t events = 0;       // journal events replayed
  int64_t rows_compared = 0;
  bool match = true;
  std::string difference;   // the first difference, when !match
};

expected<replay_report> verify_replay(const std::string& db_path);

} // namespace swarm::persistence
