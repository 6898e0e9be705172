#pragma once
// The vector index's file beside the database: "<db>.hnsw" (vector_index::save) and
// "<db>.hnsw.meta" (JSON: the embedder's name and dimension, the point count). The file
// is a cache of the vectors stored in SQLite: opening it checks it against the live
// memories and repairs it (points added or removed), or rebuilds it from the stored
// vectors when it is missing, unreadable or made by another embedder. Plain C++; the
// MemoryStore's thread.

#include "actors/memory/embedder.hpp"
#include "actors/memory/vector_index.hpp"

#include <swarm/error.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace swarm::memory {

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
expected<opened_index> open_index_file(const std::string& path, const embedder& emb,
                                       const std::set<uint64_t>& live,
                                       const vector_source& stored, bool vectors_changed);

// Writes the index, then the meta, each atomically (temporary file, rename).
expected<void> save_index_file(const std::string& path, const embedder& emb,
                               const vector_index& index);

} // namespace swarm::memory
