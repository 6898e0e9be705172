#include "actors/memory/vector_index.hpp"

#include "actors/memory/mapped_pages.hpp"

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

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
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

// A point is stored as its scale (a float: the largest magnitude among its components)
// and one signed byte per component (component / scale * 127, rounded): a quarter of
// the float vector's bytes, which is most of what the index holds per memory. The
// similarity two codes give is the cosine to within about 0.005 (bench/memory_bench
// measures what that costs in recall).
constexpr float code_steps = 127.0f;

size_t code_size(size_t dimension) { return sizeof(float) + dimension; }

void encode(const float* v, size_t dimension, char* out) {
  float scale = 0;
  for (size_t i = 0; i < dimension; ++i)
    scale = std::max(scale, std::fabs(v[i]));
  std::memcpy(out, &scale, sizeof scale);
  auto* codes = reinterpret_cast<int8_t*>(out + sizeof scale);
  const float step = scale > 0 ? code_steps / scale : 0.0f;
  for (size_t i = 0; i < dimension; ++i)
    codes[i] = static_cast<int8_t>(std::lround(std::clamp(v[i] * step, -code_steps, code_steps)));
}

std::vector<char> encoded(const std::vector<float>& v) {
  std::vector<char> out(code_size(v.size()));
  encode(v.data(), v.size(), out.data());
  return out;
}

float scale_of(const void* code) {
  float s;
  std::memcpy(&s, code, sizeof s);
  return s;
}

const int8_t* codes_of(const void* code) {
  return reinterpret_cast<const int8_t*>(static_cast<const char*>(code) + sizeof(float));
}

// 1 - the cosine two codes give: the codes' dot product, scaled back.
float code_distance(const void* av, const void* bv, const void* dim) {
  const int8_t* a = codes_of(av);
  const int8_t* b = codes_of(bv);
  const size_t n = *static_cast<const size_t*>(dim);
  int32_t sum = 0;
  for (size_t i = 0; i < n; ++i)
    sum += int32_t{a[i]} * int32_t{b[i]};
  return 1.0f - static_cast<float>(sum) * (scale_of(av) * scale_of(bv) / (code_steps * code_steps));
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(NO_MANUAL_VECTORIZATION)
#define SWARM_RUNTIME_AVX2 1
// The same, 16 components a step: bytes widened to 16 bits, pairs multiplied and added
// into 32-bit sums (at most 2 * 127^2 per pair, so no dimension the index takes
// overflows them). Compiled for AVX2 whatever the build's -march, and called only
// after the CPU was asked (space below).
__attribute__((target("avx2"))) float code_distance_avx2(const void* av, const void* bv,
                                                         const void* dim) {
  const int8_t* a = codes_of(av);
  const int8_t* b = codes_of(bv);
  const size_t n = *static_cast<const size_t*>(dim);
  __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    auto a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    auto b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    auto a1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i + 16)));
    auto b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + 16)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(a0, b0));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(a1, b1));
  }
  for (; i + 16 <= n; i += 16) {
    auto a0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    auto b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(a0, b0));
  }
  s0 = _mm256_add_epi32(s0, s1);
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(s0), _mm256_extracti128_si256(s0, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  int32_t sum = _mm_cvtsi128_si32(s);
  for (; i < n; ++i)
    sum += int32_t{a[i]} * int32_t{b[i]};
  return 1.0f - static_cast<float>(sum) * (scale_of(av) * scale_of(bv) / (code_steps * code_steps));
}
#endif

// hnswlib's space over the codes, with the distance picked at run time (AVX2 when the
// CPU has it).
class code_space final : public hnswlib::SpaceInterface<float> {
public:
  explicit code_space(size_t dimension) : dimension_(dimension), distance_(code_distance) {
#ifdef SWARM_RUNTIME_AVX2
    if (__builtin_cpu_supports("avx2")) distance_ = code_distance_avx2;
#endif
  }
  size_t get_data_size() override { return code_size(dimension_); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return distance_; }
  void* get_dist_func_param() override { return &dimension_; }

private:
  size_t dimension_;
  hnswlib::DISTFUNC<float> distance_;
};

} // namespace

struct vector_index::impl {
  explicit impl(size_t dimension) : space(dimension) {}
  ~impl() {
    if (pages && hnsw) hnsw->data_level0_memory_ = nullptr; // the pages' (hnswlib frees it)
  }
  code_space space;
  // hnswlib's level 0 (each point's links, code and label: nearly all of the index) when
  // it lives in a file mapping; null when it stayed on the heap.
  std::unique_ptr<mapped_pages> pages;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;

  // Moves level 0 from hnswlib's heap block into a file mapping in `dir`. When no
  // mapping can be made there (a read-only directory) it stays on the heap: logged, and
  // the index works as well (only the kernel cannot page it out).
  void map_level0(const std::string& dir) {
    auto& h = *hnsw;
    auto made = mapped_pages::create(dir, h.max_elements_ * h.size_data_per_element_);
    if (!made) {
      spdlog::warn("memory index: {}; its graph stays on the heap", made.error().message);
      return;
    }
    std::memcpy((*made)->data(), h.data_level0_memory_,
                h.cur_element_count * h.size_data_per_element_);
    std::free(h.data_level0_memory_);
    h.data_level0_memory_ = (*made)->data();
    pages = std::move(*made);
  }

  // hnswlib's resizeIndex (hnswalg.h, 0.6.2), with level 0 grown in its mapping instead
  // of by realloc. Throws what resizeIndex throws; a full disk is an error, and then the
  // index is as it was.
  expected<void> resize(size_t max_elements) {
    auto& h = *hnsw;
    if (!pages) {
      h.resizeIndex(max_elements);
      return {};
    }
    if (max_elements < h.cur_element_count)
      throw std::runtime_error("cannot resize below the number of elements");
    if (auto grown = pages->grow(max_elements * h.size_data_per_element_); !grown)
      return grown.error();
    h.data_level0_memory_ = pages->data(); // the old mapping is gone
    delete h.visited_list_pool_;
    h.visited_list_pool_ = new hnswlib::VisitedListPool(1, static_cast<int>(max_elements));
    h.element_levels_.resize(max_elements);
    std::vector<std::mutex>(max_elements).swap(h.link_list_locks_);
    auto** links = static_cast<char**>(std::realloc(h.linkLists_, sizeof(void*) * max_elements));
    if (links == nullptr) throw std::runtime_error("not enough memory for the upper levels");
    h.linkLists_ = links;
    h.max_elements_ = max_elements;
    return {};
  }

  // hnswlib keeps a removed point (marked deleted) under its label.
  bool live(uint64_t label) const {
    auto it = hnsw->label_lookup_.find(static_cast<hnswlib::labeltype>(label));
    return it != hnsw->label_lookup_.end() && !hnsw->isMarkedDeleted(it->second);
  }
  // The stored code of a label's point. REQUIRES: live(label).
  const char* code_of(uint64_t label) const {
    return hnsw->getDataByInternalId(
        hnsw->label_lookup_.at(static_cast<hnswlib::labeltype>(label)));
  }
  size_t count_live() const {
    size_t n = 0;
    for (const auto& [label, internal] : hnsw->label_lookup_)
      n += hnsw->isMarkedDeleted(internal) ? 0 : 1;
    return n;
  }
};

vector_index::vector_index(size_t dimension, size_t capacity, size_t m,
                           size_t ef_construction, const std::string& pages_dir)
    : dimension_(dimension), impl_(std::make_unique<impl>(dimension)) {
  impl_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      &impl_->space, std::max<size_t>(capacity, 16), m, ef_construction);
  impl_->map_level0(pages_dir.empty() ? std::filesystem::temp_directory_path().string()
                                      : pages_dir);
}

vector_index::vector_index(size_t dimension, std::unique_ptr<impl> p)
    : dimension_(dimension), impl_(std::move(p)) {
  live_ = impl_->count_live();
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
      if (auto grown = impl_->resize(h.max_elements_ * 2); !grown) return grown.error();
    const bool was_live = impl_->live(label);
    h.addPoint(encoded(v).data(), static_cast<hnswlib::labeltype>(label)); // revives, updates
    if (!was_live) ++live_;
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
  std::vector<char> was_live(n, 0);
  for (size_t i = 0; i < n; ++i)
    was_live[i] = impl_->live(labels[i]) ? 1 : 0;
  std::vector<char> done(n, 0); // written by one worker per point, read after join
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_guard;
  std::string error;
  auto work = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      try {
        h.addPoint(encoded(vectors[i]).data(), static_cast<hnswlib::labeltype>(labels[i]));
        done[i] = 1;
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_guard);
        if (!failed.exchange(true)) error = e.what();
      }
    }
  };
  try {
    if (h.cur_element_count + fresh > h.max_elements_)
      if (auto grown = impl_->resize(std::max(h.max_elements_ * 2, h.cur_element_count + fresh));
          !grown)
        return grown.error();
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
    if (done[i] && !was_live[i]) ++live_;
  if (failed) return make_error(errc::internal, "vector index: " + error);
  return {};
}

bool vector_index::remove(uint64_t label) {
  if (!impl_->live(label)) return false;
  impl_->hnsw->markDelete(static_cast<hnswlib::labeltype>(label));
  --live_;
  return true;
}

bool vector_index::contains(uint64_t label) const { return impl_->live(label); }

std::vector<uint64_t> vector_index::labels() const {
  std::vector<uint64_t> out;
  out.reserve(live_);
  for (const auto& [label, internal] : impl_->hnsw->label_lookup_)
    if (!impl_->hnsw->isMarkedDeleted(internal)) out.push_back(label);
  return out;
}

std::vector<float> vector_index::vector_of(uint64_t label) const {
  if (!contains(label)) return {};
  const char* code = impl_->code_of(label);
  const float step = scale_of(code) / code_steps;
  const int8_t* codes = codes_of(code);
  std::vector<float> out(dimension_);
  for (size_t i = 0; i < dimension_; ++i)
    out[i] = static_cast<float>(codes[i]) * step;
  return out;
}

bool vector_index::holds(uint64_t label, const std::vector<float>& v) const {
  if (!contains(label) || v.size() != dimension_) return false;
  return std::memcmp(impl_->code_of(label), encoded(v).data(), code_size(dimension_)) == 0;
}

std::vector<std::pair<uint64_t, float>> vector_index::search(const std::vector<float>& q,
                                                             size_t k, size_t ef) const {
  std::vector<std::pair<uint64_t, float>> out;
  if (k == 0 || live_ == 0 || q.size() != dimension_) return out;
  auto& h = *impl_->hnsw;
  h.setEf(std::max(k, ef == 0 ? default_ef : ef));
  auto found = h.searchKnn(encoded(q).data(), std::min(k, live_));
  out.resize(found.size());
  // A max-heap of distances (1 - cosine): fill from the back. Rounding can take a
  // point's similarity to itself a little past 1.
  for (size_t i = out.size(); i-- > 0; found.pop())
    out[i] = {static_cast<uint64_t>(found.top().second),
              std::clamp(1.0f - found.top().first, -1.0f, 1.0f)};
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
    // The file's layout per element: links, the point's code, the label.
    if (h.label_offset_ - h.offsetData_ != code_size(dimension))
      throw std::runtime_error("it holds points of another dimension or encoding");
    p->map_level0(std::filesystem::path{path}.parent_path().string());
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, "the vector index " + path +
                                               " is unreadable (" + e.what() +
                                               "); it will be rebuilt from the database");
  }
  return std::unique_ptr<vector_index>(new vector_index(dimension, std::move(p)));
}

} // namespace swarm::memory
