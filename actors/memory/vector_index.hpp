#pragma once
// An approximate nearest-neighbour index over unit vectors (hnswlib's HNSW graph with
// inner-product distance, so a score is the cosine similarity). Plain C++; one owner
// thread at a time (the MemoryStore actor). hnswlib stays inside the .cpp.
//
// Labels are the memories' row numbers. Removal marks a point deleted (searches skip
// it; re-adding the label revives and updates it). The index grows by doubling. It is
// saved next to the database and rebuilt from SQLite when missing or stale, so a lost
// or damaged file costs time, never data.

#include <swarm/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace swarm::memory {

class vector_index {
public:
  // m: graph degree; ef_construction: build-time beam. Defaults suit 10^5 points.
  explicit vector_index(size_t dimension, size_t capacity = 1024, size_t m = 16,
                        size_t ef_construction = 200);
  ~vector_index();
  vector_index(const vector_index&) = delete;
  vector_index& operator=(const vector_index&) = delete;

  size_t dimension() const { return dimension_; }
  size_t size() const { return live_; } // points not removed

  // Adds or replaces the point with this label. REQUIRES: v.size() == dimension().
  expected<void> upsert(uint64_t label, const std::vector<float>& v);
  // Removes the label's point; false when it had none.
  bool remove(uint64_t label);
  bool contains(uint64_t label) const;

  // The k labels most similar to q, best first, with their cosine similarity.
  // ef (the search beam, >= k) trades speed for recall; 0 picks max(k, 64).
  std::vector<std::pair<uint64_t, float>> search(const std::vector<float>& q, size_t k,
                                                 size_t ef = 0) const;

  // Writes the index to `path` atomically (a temporary file, then rename).
  expected<void> save(const std::string& path) const;
  // Reads an index saved by save(); errc::not_found when missing, storage_error when
  // unreadable or of another dimension — rebuild it then.
  static expected<std::unique_ptr<vector_index>> load(const std::string& path,
                                                      size_t dimension);

private:
  struct impl;
  vector_index(size_t dimension, std::unique_ptr<impl> p);
  size_t dimension_;
  size_t live_ = 0;
  std::unique_ptr<impl> impl_;
};

} // namespace swarm::memory
