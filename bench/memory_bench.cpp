// swarm_memory_bench: the memory system's retrieval core — the built-in embedder and
// the HNSW index — on a generated corpus of engineering notes.
//
//   embed     --memories texts (15–40 words from a Zipf-distributed 6,000-word
//             vocabulary of made-up terms plus common English) embedded by the built-in
//             embedder: texts/s.
//   insert    the vectors inserted into the HNSW index (growing from empty): inserts/s.
//   search    --queries queries (half: a stored note with a third of its words
//             dropped; half: a fresh random note), top-10 by the index at ef 64 and by
//             exact brute force over every vector: p50/p99 per query (embedding the
//             query included) and recall@10 (the share of the exact top 10 found).
//
// Targets (issue 7): recall@10 >= 0.95 at search p50 <= 1 ms with 100k memories.
// Prints one JSON object. Plain C++ over the internal headers; run a Release build:
//   swarm_memory_bench [--memories 100000] [--queries 500] [--ef 64] [--seed 1]

#include "bench_support.hpp"

#include "actors/memory/embedder.hpp"
#include "actors/memory/vector_index.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using swarm::memory::builtin_embedder;
using swarm::memory::vector_index;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_memory_bench", what);
}

struct bench_options {
  size_t memories = 100'000, queries = 500, ef = 64;
  uint64_t seed = 1;
};

bench_options parse(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_memory_bench");
  while (a.next()) {
    if (a.is("--memories"))
      o.memories = std::max<size_t>(100, a.number());
    else if (a.is("--queries"))
      o.queries = std::max<size_t>(1, a.number());
    else if (a.is("--ef"))
      o.ef = std::max<size_t>(10, a.number());
    else if (a.is("--seed"))
      o.seed = a.number();
    else
      a.unknown();
  }
  return o;
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

// Made-up technical terms ("kavoret", "sumbex") and common words, Zipf-weighted.
class corpus {
public:
  explicit corpus(uint64_t seed) : rng_(seed) {
    const char* common[] = {"the",   "fix",    "bug",    "test",  "build",
                            "when",  "with",   "after",  "cache", "retry",
                            "agent", "file",   "lock",   "queue", "error",
                            "slow",  "config", "schema", "index", "api"};
    for (const char* w : common)
      vocabulary_.push_back(w);
    const char* onset[] = {"k", "s", "t", "v", "m", "r", "b", "d", "p", "z", "gr", "st"};
    const char* vowel[] = {"a", "e", "i", "o", "u", "ai", "ou"};
    const char* coda[] = {"", "n", "r", "x", "t", "l", "m", "s"};
    std::uniform_int_distribution<int> syllables(2, 3);
    while (vocabulary_.size() < 6000) {
      std::string w;
      for (int s = syllables(rng_); s > 0; --s)
        w += std::string{onset[rng_() % 12]} + vowel[rng_() % 7] + coda[rng_() % 8];
      vocabulary_.push_back(w);
    }
    double sum = 0;
    for (size_t r = 1; r <= vocabulary_.size(); ++r)
      cumulative_.push_back(sum += 1.0 / std::pow(static_cast<double>(r), 1.05));
  }

  std::vector<std::string> note() {
    std::uniform_int_distribution<int> length(15, 40);
    std::vector<std::string> words;
    for (int n = length(rng_); n > 0; --n)
      words.push_back(word());
    return words;
  }

  static std::string join(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words)
      s += (s.empty() ? "" : " ") + w;
    return s;
  }

  std::mt19937_64& rng() { return rng_; }

private:
  const std::string& word() {
    std::uniform_real_distribution<double> u(0, cumulative_.back());
    auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), u(rng_));
    return vocabulary_[static_cast<size_t>(it - cumulative_.begin())];
  }

  std::mt19937_64 rng_;
  std::vector<std::string> vocabulary_;
  std::vector<double> cumulative_;
};

} // namespace

int main(int argc, char** argv) {
  const bench_options o = parse(argc, argv);
  corpus c(o.seed);
  builtin_embedder embedder;
  const size_t dim = embedder.dimension();

  std::vector<std::vector<std::string>> notes(o.memories);
  for (auto& n : notes)
    n = c.note();
  std::vector<std::vector<float>> vectors(o.memories);
  auto t = clock_type::now();
  for (size_t i = 0; i < o.memories; ++i)
    vectors[i] = *embedder.embed(corpus::join(notes[i]));
  const double embed_ms = ms_since(t);

  vector_index index(dim);
  t = clock_type::now();
  for (size_t i = 0; i < o.memories; ++i)
    if (!index.upsert(i, vectors[i])) die("insert failed");
  const double insert_ms = ms_since(t);

  std::vector<double> latency;
  size_t found = 0, wanted = 0;
  for (size_t q = 0; q < o.queries; ++q) {
    std::vector<std::string> words;
    if (q % 2 == 0) {
      words = notes[c.rng()() % o.memories];
      for (size_t drop = words.size() / 3; drop > 0 && words.size() > 1; --drop)
        words.erase(words.begin() + static_cast<long>(c.rng()() % words.size()));
    } else {
      words = c.note();
    }
    const std::string text = corpus::join(words);
    t = clock_type::now();
    auto qv = *embedder.embed(text);
    auto hits = index.search(qv, 10, o.ef);
    latency.push_back(ms_since(t));
    std::vector<std::pair<float, size_t>> exact(o.memories);
    for (size_t i = 0; i < o.memories; ++i)
      exact[i] = {-swarm::memory::dot(qv, vectors[i]), i};
    std::partial_sort(exact.begin(), exact.begin() + 10, exact.end());
    for (size_t k = 0; k < 10; ++k) {
      ++wanted;
      found += std::any_of(hits.begin(), hits.end(),
                           [&](const auto& h) { return h.first == exact[k].second; });
    }
  }
  const double recall = static_cast<double>(found) / static_cast<double>(wanted);
  const auto search = bench::summarize(latency);
  std::printf("{\"bench\": \"memory\", \"memories\": %zu, \"dimension\": %zu, "
              "\"embedder\": \"%s\", \"embed_per_s\": %.0f, \"insert_per_s\": %.0f, "
              "\"queries\": %zu, \"ef\": %zu, \"search_p50_ms\": %.3f, "
              "\"search_p99_ms\": %.3f, \"recall_at_10\": %.4f, "
              "\"targets\": {\"recall_at_10\": 0.95, \"search_p50_ms\": 1.0}}\n",
              o.memories, dim, embedder.name().c_str(),
              1000.0 * static_cast<double>(o.memories) / embed_ms,
              1000.0 * static_cast<double>(o.memories) / insert_ms, o.queries, o.ef,
              search.p50, search.p99, recall);
  return 0;
}
