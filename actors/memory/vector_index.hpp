#pragma once
// An approximate nearest-neighbour index over unit vectors (hnswlib's HNSW graph with
// inner-product distance, so a score is the cosine similarity). It holds each vector
// as one signed byte per component and a scale (vector_index.cpp), a quarter of the
// floats' size, so a score is the cosine to within about 0.005; the exact vectors stay
// in SQLite. Plain C++; one owner
// thread at a time (the MemoryStore actor) — bulk_insert alone uses worker threads,
// and returns only when they are done. hnswlib stays inside the .cpp.
//
// Labels are the memories' row numbers. Removal marks a point deleted (searches skip
// it; re-adding the label revives and updates it). The index grows by doubling. It is
// saved next to the database and rebuilt from SQLite when missing or stale, so a lost
// or damaged file costs time, never data.
//
// Nearly all of it (each point's level-0 links, code and label: about 530 bytes of the
// 620 a point takes at 384 dimensions) lives in a file mapping (mapped_pages.hpp) in
// `pages_dir`, the database's directory for the engine's index: the kernel may page it
// out under memory pressure, as it does a database file, where heap memory would have
// to stay. Growing it needs that directory's disk: a full disk fails the upsert.

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
  // Defaults chosen with bench/memory_bench.cpp (issue 7: recall@10 >= 0.95 at search
  // p50 <= 1 ms over 100k memories of the built-in embedder).
  static constexpr size_t default_m = 16;                // graph degree
  static constexpr size_t default_ef_construction = 200; // build-time beam
  // Search beam. 100k topical notes held as bytes: recall@10 0.964 (160: 0.957, a
  // thin margin that a less clustered corpus loses; 224: 0.970). The float vectors
  // held before gave 0.965 at 160, in more time per query.
  static constexpr size_t default_ef = 192;

  // `pages_dir`: where the mapped file is made (empty: the system's temporary
  // directory). When none can be made there, the index keeps its graph on the heap.
  explicit vector_index(size_t dimension, size_t capacity = 1024, size_t m = default_m,
                        size_t ef_construction = default_ef_construction,
                        const std::string& pages_dir = {});
  ~vector_index();
  vector_index(const vector_index&) = delete;
  vector_index& operator=(const vector_index&) = delete;

  size_t dimension() const { return dimension_; }
  size_t size() const { return live_; } // points not removed

  // Adds or replaces the point with this label. REQUIRES: v.size() == dimension().
  expected<void> upsert(uint64_t label, const std::vector<float>& v);
  // upsert of many points on `threads` worker threads (hnswlib locks per node), for
  // rebuilding the index from the database. All or nothing on a bad request (a
  // vector of another dimension, a label given twice); on an internal error the
  // points already added stay. REQUIRES: labels.size() == vectors.size().
  expected<void> bulk_insert(const std::vector<uint64_t>& labels,
                             const std::vector<std::vector<float>>& vectors,
                             size_t threads = 2);
  // Removes the label's point; false when it had none.
  bool remove(uint64_t label);
  bool contains(uint64_t label) const;
  // The labels of the points not removed, in no particular order.
  std::vector<uint64_t> labels() const;
  // The vector the label's point holds, as its code gives it back (each component to
  // within 1/254 of the vector's largest); empty when it has none.
  std::vector<float> vector_of(uint64_t label) const;
  // Whether the label's point was made from v (its code is v's code).
  bool holds(uint64_t label, const std::vector<float>& v) const;

  // The k labels most similar to q, best first, with their cosine similarity.
  // ef (the search beam, >= k) trades speed for recall; 0 picks max(k, default_ef).
  std::vector<std::pair<uint64_t, float>> search(const std::vector<float>& q, size_t k,
                                                 size_t ef = 0) const;

  // Writes the index to `path` atomically (a temporary file, then rename), private to
  // its owner (0600): the vectors are derived from the memories' text.
  expected<void> save(const std::string& path) const;
  // Reads an index saved by save(), its graph mapped beside it; errc::not_found when
  // missing, storage_error when unreadable, of another dimension or of another
  // encoding — rebuild it then.
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
