#include "actors/memory/vector_index.hpp"

// hnswlib 0.6.2's SSE path prefetches the entry one past the end of a neighbour list
// (searchBaseLayer): a 4-byte read past a heap block, harmless on hardware but a
// heap-buffer-overflow to AddressSanitizer. Sanitized builds use the plain path.
#if defined(__SANITIZE_ADDRESS__) && !defined(NO_MANUAL_VECTORIZATION)
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_set>

namespace swarm::memory {

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(NO_MANUAL_VECTORIZATION)
#define SWARM_RUNTIME_AVX2 1
// 1 - <a, b> with 8-wide fused multiply-adds; compiled for AVX2+FMA whatever the
// build's -march, and called only after the CPU was asked (space below).
__attribute__((target("avx2,fma"))) float
inner_product_distance_avx2(const void* av, const void* bv, const void* dim) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  const size_t n = *static_cast<const size_t*>(dim);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8)
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  s0 = _mm256_add_ps(s0, s1);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float sum = _mm_cvtss_f32(s);
  for (; i < n; ++i)
    sum += a[i] * b[i];
  return 1.0f - sum;
}
#endif

// hnswlib's inner-product space, but with the distance picked at run time: hnswlib
// 0.6.2 picks at compile time, so a build for the x86-64 baseline gets its 4-wide SSE
// loop even on a CPU with AVX2 (about half the distance throughput).
class inner_product_space final : public hnswlib::SpaceInterface<float> {
public:
  explicit inner_product_space(size_t dimension)
      : fallback_(dimension), dimension_(dimension),
        distance_(fallback_.get_dist_func()) {
#ifdef SWARM_RUNTIME_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      distance_ = inner_product_distance_avx2;
#endif
  }
  size_t get_data_size() override {
    return dimension_ * sizeof(float);
  }
  hnswlib::DISTFUNC<float> get_dist_func() override {
    return distance_;
  }
  void* get_dist_func_param() override {
    return &dimension_;
  }

private:
  hnswlib::InnerProductSpace fallback_;
  size_t dimension_;
  hnswlib::DISTFUNC<float> distance_;
};

} // namespace

struct vector_index::impl {
  explicit impl(size_t dimension) : space(dimension) {}
  inner_product_space space;
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

expected<void> vector_index::bulk_insert(const std::vector<uint64_t>& labels,
                                         const std::vector<std::vector<float>>& vectors,
                                         size_t threads) {
  const size_t n = std::min(labels.size(), vectors.size());
  auto& h = *impl_->hnsw;
  size_t fresh = 0;
  {
    std::unordered_set<uint64_t> seen;
    seen.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (vectors[i].size() != dimension_)
        return make_error(errc::bad_request,
                          "a vector of dimension " + std::to_string(vectors[i].size()) +
                              " for an index of dimension " + std::to_string(dimension_));
      if (!seen.insert(labels[i]).second)
        return make_error(errc::bad_request,
                          "label " + std::to_string(labels[i]) + " given twice");
      fresh += h.label_lookup_.count(static_cast<hnswlib::labeltype>(labels[i])) == 0;
    }
  }
  std::vector<char> done(n, 0); // written by one worker per point, read after join
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_guard;
  std::string error;
  auto work = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      try {
        h.addPoint(vectors[i].data(), static_cast<hnswlib::labeltype>(labels[i]));
        done[i] = 1;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_guard);
        if (!failed.exchange(true)) error = e.what();
      }
    }
  };
  try {
    if (h.cur_element_count + fresh > h.max_elements_)
      h.resizeIndex(std::max(h.max_elements_ * 2, h.cur_element_count + fresh));
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string{"vector index: "} + e.what());
  }
  {
    // hnswlib draws each node's level from one unguarded generator, so concurrent
    // inserts may draw the same level twice: harmless (hnswlib's own Python binding
    // inserts this way), the levels stay geometric.
    std::vector<std::thread> workers;
    try {
      for (size_t t = 1; t < std::min(std::max<size_t>(threads, 1), n); ++t)
        workers.emplace_back(work);
    } catch (const std::system_error&) {
      // Fewer threads than asked: the ones started and this one do the work.
    }
    work();
    for (auto& w : workers)
      w.join();
  }
  for (size_t i = 0; i < n; ++i)
    if (done[i] && impl_->live.insert(labels[i]).second) ++live_;
  if (failed) return make_error(errc::internal, "vector index: " + error);
  return {};
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

std::vector<uint64_t> vector_index::labels() const {
  return {impl_->live.begin(), impl_->live.end()};
}

std::vector<float> vector_index::vector_of(uint64_t label) const {
  if (!contains(label)) return {};
  return impl_->hnsw->getDataByLabel<float>(static_cast<hnswlib::labeltype>(label));
}

std::vector<std::pair<uint64_t, float>> vector_index::search(const std::vector<float>& q,
                                                             size_t k, size_t ef) const {
  std::vector<std::pair<uint64_t, float>> out;
  if (k == 0 || live_ == 0 || q.size() != dimension_) return out;
  auto& h = *impl_->hnsw;
  h.setEf(std::max(k, ef == 0 ? default_ef : ef));
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
    std::filesystem::permissions(tmp, std::filesystem::perms::owner_read |
                                          std::filesystem::perms::owner_write);
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
