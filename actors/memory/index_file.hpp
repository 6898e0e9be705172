#pragma once
// The vector index's file beside the database: "<db>.hnsw" (vector_index::save) and
// "<db>.hnsw.meta" (JSON: the embedder's name and dimension, the point count). The file
// is a cache of the vectors stored in SQLite: opening it checks it against the live
// memories and repairs it (points added or removed), or rebuilds it from the stored
// vectors when it is missing, unreadable or made by another embedder. Plain C++; the
// MemoryStore's thread (and `swarm doctor`, which inspects it and, holding the
// database's lock, rebuilds it).

#include "actors/memory/vector_index.hpp"

#include <swarm/error.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace swarm::memory {

// The index file of a database: "<db_path>.hnsw" (and "<db_path>.hnsw.meta").
std::string index_path(const std::string& db_path);

// What made the vectors: the embedder's name and dimension.
struct vector_kind {
  std::string embedder;
  size_t dim = 0;
};

struct opened_index {
  std::unique_ptr<vector_index> index;
  std::string state;    // loaded | repaired | rebuilt | empty
  uint64_t changed = 0; // points added or removed against the file: unsaved
};

// Streams the stored (number, vector) pairs of the current embedder to its argument.
using vector_source =
    std::function<expected<void>(const std::function<void(uint64_t, std::vector<float>)>&)>;

// live: the numbers of the live memories. vectors_changed: the stored vectors were
// just re-embedded (the file is stale whatever its meta says).
expected<opened_index> open_index_file(const std::string& path, const vector_kind& kind,
                                       const std::set<uint64_t>& live,
                                       const vector_source& stored, bool vectors_changed);

// Writes the index, then the meta, each atomically (temporary file, rename).
expected<void> save_index_file(const std::string& path, const vector_kind& kind,
                               const vector_index& index);

// The file as it is against the live memories, read without changing anything.
struct index_file_state {
  bool present = false; // the file and its meta exist
  bool usable = false;  // made by `kind`'s embedder, and readable
  uint64_t points = 0;  // live points in the file
  uint64_t missing = 0; // live memories it lacks
  uint64_t extra = 0;   // points of memories no longer live
  uint64_t differ = 0;  // points whose vector is not the one stored for the memory
  std::string problem;  // why it is not usable
};
expected<index_file_state> inspect_index_file(const std::string& path,
                                              const vector_kind& kind,
                                              const std::set<uint64_t>& live,
                                              const vector_source& stored);

} // namespace swarm::memory
