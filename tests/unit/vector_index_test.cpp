// The HNSW vector index: recall against brute force, removal, replacement, growth,
// a save / load round trip (a damaged file is an error, never a crash), and its graph
// in a mapped file.

#include "actors/memory/vector_index.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <unistd.h>

using namespace swarm::memory;

namespace {

std::vector<float> unit(std::mt19937& rng, size_t dim) {
  std::normal_distribution<float> n;
  std::vector<float> v(dim);
  float norm = 0;
  for (auto& x : v) {
    x = n(rng);
    norm += x * x;
  }
  for (auto& x : v)
    x /= std::sqrt(norm);
  return v;
}

std::set<uint64_t> exact_top(const std::vector<std::vector<float>>& points,
                             const std::set<uint64_t>& removed,
                             const std::vector<float>& q, size_t k) {
  std::vector<std::pair<float, uint64_t>> all;
  for (uint64_t i = 0; i < points.size(); ++i) {
    if (removed.count(i)) continue;
    float s = 0;
    for (size_t d = 0; d < q.size(); ++d)
      s += points[i][d] * q[d];
    all.push_back({-s, i});
  }
  std::sort(all.begin(), all.end());
  std::set<uint64_t> out;
  for (size_t i = 0; i < k && i < all.size(); ++i)
    out.insert(all[i].second);
  return out;
}

} // namespace

TEST_CASE("vector index: recall@10 against brute force, removals skipped, replacement",
          "[memory][vectors]") {
  constexpr size_t dim = 48, n = 3000, k = 10;
  std::mt19937 rng(11);
  std::vector<std::vector<float>> points;
  vector_index index(dim, 64); // starts small: grows by doubling
  for (uint64_t i = 0; i < n; ++i) {
    points.push_back(unit(rng, dim));
    REQUIRE(index.upsert(i, points.back()));
  }
  CHECK(index.size() == n);
  std::set<uint64_t> removed;
  for (uint64_t i = 0; i < n; i += 7) {
    CHECK(index.remove(i));
    removed.insert(i);
  }
  CHECK_FALSE(index.remove(0));
  CHECK(index.size() == n - removed.size());
  size_t hits = 0;
  for (int q = 0; q < 100; ++q) {
    auto query = unit(rng, dim);
    auto found = index.search(query, k, 100);
    REQUIRE(found.size() == k);
    CHECK(std::is_sorted(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return a.second > b.second;
    }));
    auto truth = exact_top(points, removed, query, k);
    for (const auto& [label, score] : found) {
      CHECK_FALSE(removed.count(label));
      hits += truth.count(label);
    }
  }
  const double recall = static_cast<double>(hits) / (100.0 * k);
  INFO("recall@10 = " << recall);
  CHECK(recall >= 0.95);

  // A point is found by itself with similarity 1 (to within its code's rounding);
  // replacing it moves it.
  auto self = index.search(points[1], 1);
  REQUIRE(self.size() == 1);
  CHECK(self[0].first == 1);
  CHECK(self[0].second == Approx(1.0f).margin(0.005));
  CHECK(self[0].second <= 1.0f);
  auto moved = unit(rng, dim);
  REQUIRE(index.upsert(1, moved));
  CHECK(index.search(moved, 1)[0].first == 1);
  // Re-adding a removed label revives it.
  REQUIRE(index.upsert(0, points[0]));
  CHECK(index.contains(0));
  CHECK(index.search(points[0], 1)[0].first == 0);
  CHECK_FALSE(index.upsert(5, std::vector<float>(dim + 1)));
}

TEST_CASE("vector index: saved and loaded, the same answers, a bad file is an error",
          "[memory][vectors]") {
  constexpr size_t dim = 32;
  std::mt19937 rng(5);
  vector_index index(dim);
  std::vector<std::vector<float>> points;
  for (uint64_t i = 0; i < 500; ++i) {
    points.push_back(unit(rng, dim));
    REQUIRE(index.upsert(100 + i, points.back()));
  }
  index.remove(100);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("swarm-vectors-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = (dir / "memories.hnsw").string();
  REQUIRE(index.save(file));
  auto loaded = vector_index::load(file, dim);
  REQUIRE(loaded);
  CHECK((*loaded)->size() == 499);
  CHECK_FALSE((*loaded)->contains(100));
  for (int q = 0; q < 20; ++q) {
    auto query = unit(rng, dim);
    CHECK((*loaded)->search(query, 5, 200) == index.search(query, 5, 200));
  }
  CHECK(vector_index::load(file, dim + 1).error().code == swarm::errc::storage_error);
  CHECK(vector_index::load((dir / "missing").string(), dim).error().code ==
        swarm::errc::not_found);
  std::ofstream(dir / "short") << "not an index";
  CHECK(vector_index::load((dir / "short").string(), dim).error().code ==
        swarm::errc::storage_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("vector index: a point is held as a byte per component, near enough to rank",
          "[memory][vectors]") {
  constexpr size_t dim = 384;
  std::mt19937 rng(11);
  vector_index index(dim);
  std::vector<std::vector<float>> points;
  for (uint64_t i = 0; i < 200; ++i) {
    points.push_back(unit(rng, dim));
    REQUIRE(index.upsert(i, points.back()));
  }
  // Each component comes back to within half a step of the vector's largest one.
  for (uint64_t i = 0; i < 200; i += 37) {
    const auto& v = points[i];
    const float largest = std::fabs(*std::max_element(
        v.begin(), v.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); }));
    auto held = index.vector_of(i);
    REQUIRE(held.size() == dim);
    for (size_t d = 0; d < dim; ++d)
      CHECK(std::fabs(held[d] - v[d]) <= largest / 254.0f + 1e-6f);
    CHECK(index.holds(i, v));
    auto nudged = v;
    nudged[0] += largest / 50.0f;
    CHECK_FALSE(index.holds(i, nudged));
  }
  CHECK_FALSE(index.holds(999, points[0]));
  // The similarity a search reports is the cosine to within 0.005.
  for (int q = 0; q < 20; ++q) {
    auto query = unit(rng, dim);
    for (const auto& [label, score] : index.search(query, 10, 200)) {
      float exact = 0;
      for (size_t d = 0; d < dim; ++d)
        exact += points[label][d] * query[d];
      CHECK(score == Approx(exact).margin(0.005));
    }
  }
  // A zero vector has a code too (scale 0): it matches nothing, and breaks nothing.
  REQUIRE(index.upsert(500, std::vector<float>(dim, 0.0f)));
  CHECK(index.search(points[3], 1)[0].first == 3);
}

TEST_CASE("vector index: bulk insert on threads, the same recall, labels listed",
          "[memory][vectors]") {
  constexpr size_t dim = 48, n = 3000, k = 10;
  std::mt19937 rng(23);
  std::vector<std::vector<float>> points;
  std::vector<uint64_t> labels;
  for (uint64_t i = 0; i < n; ++i) {
    points.push_back(unit(rng, dim));
    labels.push_back(i);
  }
  vector_index index(dim, 64);              // bulk_insert grows it once
  REQUIRE(index.upsert(7, unit(rng, dim))); // replaced by the bulk insert
  REQUIRE(index.bulk_insert(labels, points, 3));
  CHECK(index.size() == n);
  CHECK(index.search(points[7], 1)[0].first == 7);
  size_t hits = 0;
  for (int q = 0; q < 100; ++q) {
    auto query = unit(rng, dim);
    for (const auto& [label, score] : index.search(query, k, 100))
      hits += exact_top(points, {}, query, k).count(label);
  }
  INFO("recall@10 = " << static_cast<double>(hits) / (100.0 * k));
  CHECK(hits >= 950);

  index.remove(3);
  auto listed = index.labels();
  CHECK(listed.size() == n - 1);
  std::set<uint64_t> listed_set(listed.begin(), listed.end());
  CHECK(listed_set.size() == n - 1);
  CHECK_FALSE(listed_set.count(3));
  CHECK(listed_set.count(0));

  // All or nothing on a bad request: a label twice, a vector of another size.
  CHECK(index.bulk_insert({5000, 5000}, {points[0], points[1]}).error().code ==
        swarm::errc::bad_request);
  CHECK(index.bulk_insert({5001, 5002}, {points[0], std::vector<float>(dim + 1)})
            .error()
            .code == swarm::errc::bad_request);
  CHECK_FALSE(index.contains(5000));
  CHECK_FALSE(index.contains(5001));
  // A removed label comes back through a bulk insert; an empty batch is fine.
  REQUIRE(index.bulk_insert({3}, {points[3]}, 4));
  CHECK(index.contains(3));
  CHECK(index.size() == n);
  CHECK(index.bulk_insert({}, {}));
}

namespace {

// The lines of /proc/self/maps of files mapped from `dir` and since removed: the
// mapped pages of an index made there.
size_t deleted_mappings_in(const std::filesystem::path& dir) {
  std::ifstream maps("/proc/self/maps");
  size_t n = 0;
  for (std::string line; std::getline(maps, line);)
    if (line.find(dir.string() + "/.memory-index-") != std::string::npos &&
        line.find("(deleted)") != std::string::npos)
      ++n;
  return n;
}

} // namespace

TEST_CASE("vector index: its graph lives in a mapped file that grows and leaves nothing",
          "[memory][vectors]") {
  constexpr size_t dim = 32;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("swarm-pages-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::mt19937 rng(17);
  std::vector<std::vector<float>> points;
  {
    vector_index index(dim, 16, vector_index::default_m, vector_index::default_ef_construction,
                       dir.string());
    CHECK(deleted_mappings_in(dir) == 1);
    // Grows from 16 points eight times over; every point is still where it was.
    for (uint64_t i = 0; i < 4000; ++i) {
      points.push_back(unit(rng, dim));
      REQUIRE(index.upsert(i, points.back()));
    }
    CHECK(deleted_mappings_in(dir) == 1); // mapped again as it grew, the old ones gone
    for (uint64_t i = 0; i < points.size(); i += 97) {
      CHECK(index.holds(i, points[i]));
      CHECK(index.search(points[i], 1).at(0).first == i);
    }
    // Saved from the mapping, loaded into a mapping of its own.
    const auto file = (dir / "memories.hnsw").string();
    REQUIRE(index.save(file));
    auto loaded = vector_index::load(file, dim);
    REQUIRE(loaded);
    CHECK(deleted_mappings_in(dir) == 2);
    for (uint64_t i = 0; i < points.size(); i += 97)
      CHECK((*loaded)->holds(i, points[i]));
    // The bulk path grows it too.
    std::vector<uint64_t> labels;
    std::vector<std::vector<float>> more;
    for (uint64_t i = 0; i < 3000; ++i) {
      labels.push_back(10'000 + i);
      more.push_back(unit(rng, dim));
    }
    REQUIRE((*loaded)->bulk_insert(labels, more, 2));
    CHECK((*loaded)->size() == 7000);
    CHECK((*loaded)->holds(12'999, more.back()));
    CHECK((*loaded)->holds(0, points[0]));
  }
  CHECK(deleted_mappings_in(dir) == 0); // unmapped and closed with the index
  // Nothing was ever visible in the directory but the saved index.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    CHECK(e.path().filename().string().rfind(".memory-index-", 0) != 0);
    ++files;
  }
  CHECK(files == 1); // memories.hnsw
  std::filesystem::remove_all(dir);
}

TEST_CASE("vector index: without a directory to map into it keeps its graph on the heap",
          "[memory][vectors]") {
  constexpr size_t dim = 16;
  vector_index index(dim, 16, vector_index::default_m, vector_index::default_ef_construction,
                     "/nonexistent/swarm-pages");
  std::mt19937 rng(3);
  std::vector<std::vector<float>> points;
  for (uint64_t i = 0; i < 300; ++i) {
    points.push_back(unit(rng, dim));
    REQUIRE(index.upsert(i, points.back()));
  }
  for (uint64_t i = 0; i < points.size(); i += 7)
    CHECK(index.holds(i, points[i]));
}
