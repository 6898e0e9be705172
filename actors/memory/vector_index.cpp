#include "actors/memory/vector_index.hpp"

// hnswlib 0.6.2's SSE path prefetches the entry one past the end of a neighbour list
// (searchBaseLayer): a 4-byte read past a heap block, harmless on hardware but a
// heap-buffer-overflow to AddressSanitizer. Sanitized builds use the plain path.
#if defined(__SANITIZE_ADDRESS__) && !defined(NO_MANUAL_VECTORIZATION)
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unordered_set>

namespace swarm::memory {

struct vector_index::impl {
  explicit impl(size_t dimension) : space(dimension) {}
  hnswlib::InnerProductSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  std::unordered_set<uint64_t> live;
};

vector_index::vector_index(size_t dimension, size_t capacity, size_t m,
                           size_t ef_construction)
    : dimension_(dimension), impl_(std::make_unique<impl>(dimension)) {
  impl_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      &impl_->space, std::max<size_t>(capacity, 16), m, ef_construction);
}

vector_index::vector_index(size_t dimension, std::unique_ptr<impl> p)
    : dimension_(dimension), impl_(std::move(p)) {
  live_ = impl_->live.size();
}

vector_index::~vector_index() = default;

expected<void> vector_index::upsert(uint64_t label, const std::vector<float>& v) {
  if (v.size() != dimension_)
    return make_error(errc::bad_request,
                      "a vector of dimension " + std::to_string(v.size()) +
                          " for an index of dimension " + std::to_string(dimension_));
  try {
    auto& h = *impl_->hnsw;
    if (h.cur_element_count >= h.max_elements_ && !h.label_lookup_.count(label))
      h.resizeIndex(h.max_elements_ * 2);
    h.addPoint(v.data(), static_cast<hnswlib::labeltype>(label)); // revives and updates
    if (impl_->live.insert(label).second) ++live_;
    return {};
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string{"vector index: "} + e.what());
  }
}

bool vector_index::remove(uint64_t label) {
  if (impl_->live.erase(label) == 0) return false;
  impl_->hnsw->markDelete(static_cast<hnswlib::labeltype>(label));
  --live_;
  return true;
}

bool vector_index::contains(uint64_t label) const {
  return impl_->live.count(label) > 0;
}

std::vector<std::pair<uint64_t, float>> vector_index::search(const std::vector<float>& q,
                                                             size_t k, size_t ef) const {
  std::vector<std::pair<uint64_t, float>> out;
  if (k == 0 || live_ == 0 || q.size() != dimension_) return out;
  auto& h = *impl_->hnsw;
  h.setEf(std::max({k, ef == 0 ? size_t{64} : ef}));
  auto found = h.searchKnn(q.data(), std::min(k, live_));
  out.resize(found.size());
  // A max-heap of distances (1 - cosine): fill from the back.
  for (size_t i = out.size(); i-- > 0; found.pop())
    out[i] = {static_cast<uint64_t>(found.top().second), 1.0f - found.top().first};
  return out;
}

expected<void> vector_index::save(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  try {
    impl_->hnsw->saveIndex(tmp);
    std::filesystem::rename(tmp, path);
    return {};
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return make_error(errc::io_error,
                      "cannot save the vector index to " + path + ": " + e.what());
  }
}

expected<std::unique_ptr<vector_index>> vector_index::load(const std::string& path,
                                                           size_t dimension) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(errc::not_found, "no vector index at " + path);
  auto p = std::make_unique<impl>(dimension);
  try {
    // hnswlib trusts the file; check what it will read against the dimension first.
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec || bytes < 64) throw std::runtime_error("the file is truncated");
    p->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(&p->space, path);
    auto& h = *p->hnsw;
    // The file's layout per element: links, the vector, the label.
    if (h.label_offset_ - h.offsetData_ != dimension * sizeof(float))
      throw std::runtime_error("it holds vectors of another dimension");
    for (const auto& [label, internal] : h.label_lookup_)
      if (!h.isMarkedDeleted(internal)) p->live.insert(label);
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, "the vector index " + path +
                                               " is unreadable (" + e.what() +
                                               "); it will be rebuilt from the database");
  }
  return std::unique_ptr<vector_index>(new vector_index(dimension, std::move(p)));
}

} // namespace swarm::memory
