#pragma once
// Where the library's diagnostics go: stderr (stdout carries results, e.g. --json).
// Plain C++; any thread.

namespace swarm {

// Replaces spdlog's stock logger (unnamed) with one writing to stderr, once; a logger
// the embedding program installed is left alone. Called by every entry point that may
// log: engine::open, doctor.
void diagnostics_to_stderr();

} // namespace swarm
