// swarm_memory_bench: the memory system's retrieval core — the built-in embedder and
// the HNSW index — on a generated corpus of engineering notes (15–40 words each).
//
// Corpora (--corpus), deterministic by --seed:
//   topical  (default) memories cluster by subject, as a real project's do: notes
//            about one module, task or subsystem share its identifiers, file names and
//            domain terms. 1,000 topics, each with its own vocabulary of 10–40 made-up
//            terms (Zipf within the topic); topic sizes are Zipf with exponent 0.5 (at
//            100k notes, about 1,600 in the largest topic and 50 in the smallest). A
//            note takes 55% (--topic-share) of its words from one topic — or, one note in
//            four, 70/30 from two topics — 40% (95% less the topic share) from 156 common
//            English/engineering words (Zipf; stop words included, the embedder drops
//            them) and 5% stray terms from the random corpus's vocabulary. The shares are
//            guesses, not measured from real memories: a real store is probably less
//            cleanly clustered (topics overlap, terms are shared across modules), so read
//            these figures as the good case.
//   random   the worst case: every word from one Zipf-distributed 6,000-word
//            vocabulary (20 common words at its head, then made-up terms), with no
//            topics, so vectors are spread almost uniformly and most nearest neighbours
//            are near-ties.
//
//   embed     --memories notes embedded by the built-in embedder: texts/s.
//   insert    the vectors inserted into the HNSW index (growing from empty): inserts/s,
//             one upsert at a time (--threads 1, the live path) or by bulk_insert on
//             --threads threads (the rebuild-from-the-database path).
//   search    --queries queries in three classes, top-10 by the index at each --ef and
//             by exact brute force over every vector: p50/p99 per query (embedding the
//             query included), overall and per class, and
//               recall_at_10  the share of the exact top 10 found (strict);
//               recall_ties   ann-benchmarks' tie-tolerant recall: a hit counts when its
//                             exact similarity is >= the 10th best exact one - 1e-3;
//               exact_10th_similarity  (per class) the mean 10th best exact similarity.
//             Queries are what the memory store will be asked — a task's title or
//             description, close to some stored memories:
//               paraphrase (2 in 5)  a stored note with a quarter of its words dropped
//                                    and an eighth replaced by words from outside any
//                                    topic (common or stray);
//               topic      (2 in 5)  3–6 key terms of a stored note (its rarest words
//                                    by expected frequency, in note order), like a
//                                    task title;
//               fresh      (1 in 5)  a new note, not stored. Topical: from a random
//                                    topic, so its topic's notes are its neighbours.
//                                    Random: no stored memory is close and its exact
//                                    top 10 are near-ties — the hardest case.
//
//   store     (--store N, default 10,000; 0 skips it) the first N notes through the
//             engine API into a real database in a temp directory, as agents use it:
//             durable adds from --store-threads (4) threads, each answered after its
//             commit (add/s, p50/p99); the first 200 queries in hybrid, vector and text
//             mode (p50/p99, FTS5 and the final score included); then the time to reopen
//             the engine and answer the first memory request with the index file
//             (loaded) and without it (rebuilt from the stored vectors).
//
// Targets (issue 7): recall@10 >= 0.95 at search p50 <= 1 ms with 100k memories.
// Prints one JSON object (one "search" entry per --ef value). Plain C++ over the
// internal headers; run a Release build:
//   swarm_memory_bench [--corpus topical|random] [--topic-share 55]
//                      [--memories 100000] [--queries 500]
//                      [--ef 0[,64,...]] [--m M] [--ef-construction N] [--threads 1]
//                      [--dimension D] [--seed 1] [--store 10000]
//                      [--store-threads 4] [--pages-dir DIR]
// --pages-dir: where the index maps its graph (default: the system's temporary
// directory); a directory where no file can be made keeps it on the heap, for an A/B.
// --ef 0 is the index's default beam; --m and --ef-construction default to the
// index's defaults, --dimension to the built-in embedder's.

#include "bench_support.hpp"

#include "actors/memory/embedder.hpp"
#include "actors/memory/vector_index.hpp"

#include <swarm/swarm.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

using clock_type = bench::clock;
using swarm::memory::builtin_embedder;
using swarm::memory::vector_index;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_memory_bench", what);
}

enum class corpus_kind { topical, random };

struct bench_options {
  size_t memories = 100'000, queries = 500;
  std::vector<size_t> ef{0};
  size_t m = vector_index::default_m;
  size_t ef_construction = vector_index::default_ef_construction;
  size_t threads = 1;
  size_t dimension = 0; // 0: the built-in embedder's default
  uint64_t seed = 1;
  corpus_kind corpus = corpus_kind::topical;
  size_t topic_percent = 55; // of a topical note's words, from its topic(s)
  size_t store = 10'000;     // memories through the engine (0: skip that part)
  size_t store_threads = 4;
  std::string pages_dir; // empty: the system's temporary directory
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
      o.ef = a.numbers();
    else if (a.is("--m"))
      o.m = std::max<size_t>(2, a.number());
    else if (a.is("--ef-construction"))
      o.ef_construction = std::max<size_t>(10, a.number());
    else if (a.is("--dimension"))
      o.dimension = std::clamp<size_t>(a.number(), 16, 65536);
    else if (a.is("--threads"))
      o.threads = std::max<size_t>(1, a.number());
    else if (a.is("--seed"))
      o.seed = a.number();
    else if (a.is("--store"))
      o.store = a.number();
    else if (a.is("--store-threads"))
      o.store_threads = std::max<size_t>(1, a.number());
    else if (a.is("--pages-dir"))
      o.pages_dir = a.value();
    else if (a.is("--topic-share"))
      o.topic_percent = std::clamp<size_t>(a.number(), 5, 95);
    else if (a.is("--corpus")) {
      const std::string v = a.value();
      if (v == "topical")
        o.corpus = corpus_kind::topical;
      else if (v == "random")
        o.corpus = corpus_kind::random;
      else
        a.bad("--corpus is topical or random, not '" + v + "'");
    } else
      a.unknown();
  }
  return o;
}

// Generated engineering notes, deterministic by seed. Both kinds draw "stray" terms
// from one Zipf-weighted 6,000-word vocabulary of made-up words ("kavoret", "sumbex")
// with 20 common words at its head; that vocabulary is all the random corpus has. The
// topical corpus adds common English/engineering words and 1,000 topics (see the top
// of the file).
class corpus {
public:
  corpus(corpus_kind kind, uint64_t seed, double topic_share)
      : kind_(kind), topic_share_(topic_share), rng_(seed) {
    const char* head[] = {"the",   "fix",   "bug",    "test",   "build", "when", "with",
                          "after", "cache", "retry",  "agent",  "file",  "lock", "queue",
                          "error", "slow",  "config", "schema", "index", "api"};
    for (const char* w : head)
      stray_.words.push_back(w);
    while (stray_.words.size() < 6000)
      stray_.words.push_back(made_up_word());
    stray_.weigh(1.05);
    if (kind_ == corpus_kind::topical) {
      const char* common[] = {
          "the",     "a",       "to",        "in",      "of",       "and",     "is",
          "for",     "on",      "with",      "when",    "after",    "before",  "it",
          "this",    "that",    "not",       "now",     "we",       "should",  "can",
          "need",    "use",     "fix",       "bug",     "test",     "tests",   "build",
          "error",   "fails",   "failed",    "works",   "added",    "removed", "changed",
          "moved",   "call",    "returns",   "value",   "values",   "check",   "update",
          "file",    "files",   "function",  "class",   "method",   "type",    "field",
          "config",  "option",  "default",   "flag",    "path",     "cache",   "retry",
          "timeout", "lock",    "queue",     "thread",  "async",    "request", "response",
          "handler", "message", "event",     "state",   "read",     "write",   "load",
          "save",    "parse",   "index",     "schema",  "table",    "row",     "query",
          "insert",  "delete",  "api",       "client",  "server",   "agent",   "task",
          "run",     "start",   "stop",      "slow",    "fast",     "memory",  "leak",
          "crash",   "log",     "warning",   "null",    "empty",    "missing", "wrong",
          "order",   "list",    "map",       "key",     "name",     "id",      "size",
          "count",   "limit",   "batch",     "version", "release",  "merge",   "branch",
          "commit",  "review",  "docs",      "comment", "refactor", "rename",  "split",
          "helper",  "wrapper", "interface", "module",  "package",  "import",  "export",
          "input",   "output",  "user",      "session", "token",    "auth",    "backoff",
          "jitter",  "network", "socket",    "disk",    "buffer",   "format",  "json",
          "string",  "number",  "date",      "time",    "first",    "last",    "next",
          "old",     "new",     "still",     "again",   "also",     "only",    "because",
          "since",   "until"};
      for (const char* w : common)
        common_.words.push_back(w);
      common_.weigh(1.0);
      std::uniform_int_distribution<size_t> terms(10, 40);
      topics_.resize(1000);
      for (auto& t : topics_) {
        for (size_t n = terms(rng_); n > 0; --n)
          t.words.push_back(made_up_word());
        t.weigh(1.0);
      }
      double sum = 0;
      for (size_t r = 1; r <= topics_.size(); ++r)
        topic_cumulative_.push_back(sum += 1.0 / std::sqrt(static_cast<double>(r)));
    }
    // Rarity for topic(): each word's expected share of a note's words, summed over
    // the vocabularies it occurs in (a made-up word can occur in several).
    if (kind_ == corpus_kind::random) {
      stray_.add_shares(1.0, share_);
    } else {
      stray_.add_shares(stray_share, share_);
      common_.add_shares(1.0 - topic_share_ - stray_share, share_);
      for (size_t i = 0; i < topics_.size(); ++i)
        topics_[i].add_shares(topic_share_ * topic_probability(i), share_);
    }
  }

  std::vector<std::string> note() {
    std::uniform_int_distribution<int> length(15, 40);
    std::vector<std::string> words;
    if (kind_ == corpus_kind::random) {
      for (int n = length(rng_); n > 0; --n)
        words.push_back(stray_.draw(rng_));
      return words;
    }
    const zipf_vocabulary& first = topics_[draw_topic()];
    const zipf_vocabulary& second =
        unit_(rng_) < second_topic_share ? topics_[draw_topic()] : first;
    for (int n = length(rng_); n > 0; --n) {
      const double u = unit_(rng_);
      if (u < topic_share_ * (1 - second_topic_words))
        words.push_back(first.draw(rng_));
      else if (u < topic_share_)
        words.push_back(second.draw(rng_));
      else
        words.push_back(background());
    }
    return words;
  }

  // A stored note reworded: a quarter of its words dropped, an eighth replaced by
  // words from outside any topic.
  std::vector<std::string> paraphrase(std::vector<std::string> words) {
    for (size_t drop = words.size() / 4; drop > 0 && words.size() > 1; --drop)
      words.erase(words.begin() + static_cast<long>(rng_() % words.size()));
    for (size_t swap = words.size() / 8; swap > 0; --swap)
      words[rng_() % words.size()] = background();
    return words;
  }

  // 3–6 of the note's rarest distinct words, in the note's order: its topic.
  std::vector<std::string> topic(const std::vector<std::string>& words) {
    std::vector<size_t> order(words.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return share_.at(words[a]) < share_.at(words[b]);
    });
    const size_t want = 3 + rng_() % 4;
    std::vector<size_t> keep;
    for (size_t i : order) {
      if (keep.size() == want) break;
      if (std::none_of(keep.begin(), keep.end(),
                       [&](size_t k) { return words[k] == words[i]; }))
        keep.push_back(i);
    }
    std::sort(keep.begin(), keep.end());
    std::vector<std::string> out;
    for (size_t i : keep)
      out.push_back(words[i]);
    return out;
  }

  static std::string join(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words)
      s += (s.empty() ? "" : " ") + w;
    return s;
  }

  std::mt19937_64& rng() { return rng_; }

private:
  // Shares of a topical note's words (and topic_share_ from its topics); the rest are
  // common words.
  static constexpr double stray_share = 0.05;        // stray made-up terms
  static constexpr double second_topic_share = 0.25; // notes touching two topics
  static constexpr double second_topic_words = 0.3;  // of the topic words, then

  struct zipf_vocabulary {
    std::vector<std::string> words;
    std::vector<double> cumulative;
    void weigh(double exponent) {
      double sum = 0;
      for (size_t r = 1; r <= words.size(); ++r)
        cumulative.push_back(sum += 1.0 / std::pow(static_cast<double>(r), exponent));
    }
    const std::string& draw(std::mt19937_64& rng) const {
      std::uniform_real_distribution<double> u(0, cumulative.back());
      auto it = std::lower_bound(cumulative.begin(), cumulative.end(), u(rng));
      return words[std::min(words.size() - 1,
                            static_cast<size_t>(it - cumulative.begin()))];
    }
    void add_shares(double scale, std::unordered_map<std::string, double>& out) const {
      for (size_t r = 0; r < words.size(); ++r)
        out[words[r]] += scale * (cumulative[r] - (r == 0 ? 0.0 : cumulative[r - 1])) /
                         cumulative.back();
    }
  };

  std::string made_up_word() {
    const char* onset[] = {"k", "s", "t", "v", "m", "r", "b", "d", "p", "z", "gr", "st"};
    const char* vowel[] = {"a", "e", "i", "o", "u", "ai", "ou"};
    const char* coda[] = {"", "n", "r", "x", "t", "l", "m", "s"};
    std::string w;
    std::uniform_int_distribution<int> syllables(2, 3);
    for (int s = syllables(rng_); s > 0; --s)
      w += std::string{onset[rng_() % 12]} + vowel[rng_() % 7] + coda[rng_() % 8];
    return w;
  }

  size_t draw_topic() {
    std::uniform_real_distribution<double> u(0, topic_cumulative_.back());
    auto it =
        std::lower_bound(topic_cumulative_.begin(), topic_cumulative_.end(), u(rng_));
    return std::min(topics_.size() - 1,
                    static_cast<size_t>(it - topic_cumulative_.begin()));
  }

  double topic_probability(size_t i) const {
    return (topic_cumulative_[i] - (i == 0 ? 0.0 : topic_cumulative_[i - 1])) /
           topic_cumulative_.back();
  }

  // A word from outside any topic: common, or now and then a stray term.
  const std::string& background() {
    if (kind_ == corpus_kind::random) return stray_.draw(rng_);
    return unit_(rng_) < stray_share / (1 - topic_share_) ? stray_.draw(rng_)
                                                          : common_.draw(rng_);
  }

  corpus_kind kind_;
  double topic_share_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  zipf_vocabulary stray_, common_;
  std::vector<zipf_vocabulary> topics_;
  std::vector<double> topic_cumulative_;
  std::unordered_map<std::string, double> share_;
};

constexpr std::array<const char*, 3> class_names = {"paraphrase", "topic", "fresh"};

// Query q's class: 2 in 5 paraphrase, 2 in 5 topic, 1 in 5 fresh.
size_t class_of(size_t q) {
  constexpr size_t by_slot[5] = {0, 1, 0, 1, 2};
  return by_slot[q % 5];
}

struct query {
  size_t kind;
  std::string text;
  std::vector<size_t> exact; // the brute-force top 10, best first
  float tenth = 0;           // the 10th best exact similarity
};

struct tally {
  std::vector<double> latency;
  size_t found = 0, found_ties = 0, wanted = 0;
  double tenth_sum = 0; // of the queries' 10th best exact similarities
  double recall() const { return share(found); }
  double recall_ties() const { return share(found_ties); }
  double share(size_t n) const {
    return wanted == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(wanted);
  }
};

// ann-benchmarks' tie tolerance: a hit counts when its exact similarity is within
// this of the 10th best, so a near-tie swapped in for an exact top-10 member is no miss.
constexpr float tie_tolerance = 1e-3f;

std::string percentile_fields(const char* name, std::vector<double> ms) {
  const auto p = bench::summarize(std::move(ms));
  char line[160];
  std::snprintf(line, sizeof line, "\"%s_p50_ms\": %.3f, \"%s_p99_ms\": %.3f", name, p.p50,
                name, p.p99);
  return line;
}

// The whole memory store through the engine API, as agents use it: durable adds from
// --store-threads threads (each answered after commit), searches in every mode, then
// the engine reopened (index file loaded) and reopened again without the file (index
// rebuilt from the stored vectors).
std::string store_section(const bench_options& o,
                          const std::vector<std::vector<std::string>>& notes,
                          const std::vector<std::string>& query_texts) {
  std::string dir_template = "/tmp/swarm-memory-bench-XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) die("mkdtemp failed");
  swarm::options opts;
  opts.db_path = dir_template + "/.swarm/swarm.db";
  const size_t n = std::min(o.store, notes.size());
  std::string out;
  {
    auto e = swarm::engine::open(opts);
    if (!e) die("engine: " + e.error().to_string());
    std::vector<std::vector<double>> add_ms(o.store_threads);
    std::vector<std::thread> threads;
    auto t = clock_type::now();
    for (size_t w = 0; w < o.store_threads; ++w)
      threads.emplace_back([&, w] {
        for (size_t i = w; i < n; i += o.store_threads) {
          swarm::memory_draft d;
          d.type = "episodic";
          d.content = corpus::join(notes[i]);
          auto a = clock_type::now();
          auto r = (*e)->add_memory(d);
          if (!r) die("add_memory: " + r.error().to_string());
          add_ms[w].push_back(bench::millis_since(a));
        }
      });
    for (auto& th : threads)
      th.join();
    const double total_ms = bench::millis_since(t);
    std::vector<double> all_add;
    for (const auto& v : add_ms)
      all_add.insert(all_add.end(), v.begin(), v.end());
    char line[200];
    std::snprintf(line, sizeof line, "\"memories\": %zu, \"threads\": %zu, \"add_per_s\": %.0f, ",
                  n, o.store_threads, 1000.0 * static_cast<double>(n) / total_ms);
    out += line + percentile_fields("add", all_add);
    for (const char* mode : {"hybrid", "vector", "text"}) {
      std::vector<double> ms;
      for (const auto& text : query_texts) {
        swarm::memory_query q;
        q.text = text;
        q.mode = *swarm::parse_search_mode(mode);
        auto a = clock_type::now();
        auto r = (*e)->search_memories(q);
        if (!r) die("search_memories: " + r.error().to_string());
        ms.push_back(bench::millis_since(a));
      }
      out += ", " + percentile_fields((std::string{"search_"} + mode).c_str(), ms);
    }
  }
  for (const char* phase : {"reopen_loaded", "reopen_rebuilt"}) {
    if (std::string{phase} == "reopen_rebuilt") ::unlink((opts.db_path + ".hnsw").c_str());
    auto t = clock_type::now();
    auto e = swarm::engine::open(opts);
    if (!e) die("engine: " + e.error().to_string());
    auto stats = (*e)->memory_statistics(); // the store loads on its first request
    if (!stats) die("memory_statistics: " + stats.error().to_string());
    char line[160];
    std::snprintf(line, sizeof line, ", \"%s_ms\": %.0f, \"%s_state\": \"%s\"", phase,
                  bench::millis_since(t), phase, stats->index_state.c_str());
    out += line;
  }
  std::string rm = "rm -rf '" + dir_template + "'";
  if (std::system(rm.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir_template.c_str());
  return out;
}

} // namespace

int main(int argc, char** argv) {
  const bench_options o = parse(argc, argv);
  corpus c(o.corpus, o.seed, static_cast<double>(o.topic_percent) / 100.0);
  builtin_embedder embedder =
      o.dimension == 0 ? builtin_embedder{} : builtin_embedder{o.dimension};
  const size_t dim = embedder.dimension();

  std::vector<std::vector<std::string>> notes(o.memories);
  for (auto& n : notes)
    n = c.note();
  std::vector<std::vector<float>> vectors(o.memories);
  auto t = clock_type::now();
  for (size_t i = 0; i < o.memories; ++i)
    vectors[i] = *embedder.embed(corpus::join(notes[i]));
  const double embed_ms = bench::millis_since(t);

  vector_index index(dim, 1024, o.m, o.ef_construction, o.pages_dir);
  t = clock_type::now();
  if (o.threads == 1) {
    for (size_t i = 0; i < o.memories; ++i)
      if (!index.upsert(i, vectors[i])) die("insert failed");
  } else {
    std::vector<uint64_t> labels(o.memories);
    std::iota(labels.begin(), labels.end(), 0);
    if (auto r = index.bulk_insert(labels, vectors, o.threads); !r)
      die("bulk insert failed: " + r.error().message);
  }
  const double insert_ms = bench::millis_since(t);
  if (index.size() != o.memories) die("the index lost points");

  // The queries and their exact answers, once; each beam then runs them all.
  std::vector<query> queries(o.queries);
  for (size_t q = 0; q < o.queries; ++q) {
    auto& qu = queries[q];
    qu.kind = class_of(q);
    const auto& source = notes[c.rng()() % o.memories];
    qu.text = corpus::join(qu.kind == 0   ? c.paraphrase(source)
                           : qu.kind == 1 ? c.topic(source)
                                          : c.note());
    const auto qv = *embedder.embed(qu.text);
    std::vector<std::pair<float, size_t>> exact(o.memories);
    for (size_t i = 0; i < o.memories; ++i)
      exact[i] = {-swarm::memory::dot(qv, vectors[i]), i};
    std::partial_sort(exact.begin(), exact.begin() + 10, exact.end());
    for (size_t k = 0; k < 10; ++k)
      qu.exact.push_back(exact[k].second);
    qu.tenth = -exact[9].first;
  }

  std::string runs;
  for (size_t ef : o.ef) {
    tally all;
    std::array<tally, class_names.size()> by_class;
    for (const auto& qu : queries) {
      t = clock_type::now();
      auto qv = *embedder.embed(qu.text);
      auto hits = index.search(qv, 10, ef);
      const double ms = bench::millis_since(t);
      size_t found = 0, found_ties = 0;
      for (size_t label : qu.exact)
        found += std::any_of(hits.begin(), hits.end(),
                             [&](const auto& h) { return h.first == label; });
      for (const auto& h : hits)
        found_ties +=
            swarm::memory::dot(qv, vectors[h.first]) >= qu.tenth - tie_tolerance;
      found_ties = std::min(found_ties, qu.exact.size());
      for (tally* s : {&all, &by_class[qu.kind]}) {
        s->latency.push_back(ms);
        s->found += found;
        s->found_ties += found_ties;
        s->tenth_sum += qu.tenth;
        s->wanted += qu.exact.size();
      }
    }
    const auto p = bench::summarize(all.latency);
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s{\"ef\": %zu, \"search_p50_ms\": %.3f, \"search_p99_ms\": %.3f, "
                  "\"recall_at_10\": %.4f, \"recall_ties\": %.4f, \"by_class\": {",
                  runs.empty() ? "" : ", ",
                  ef == 0 ? std::size_t{vector_index::default_ef} : ef, p.p50, p.p99,
                  all.recall(), all.recall_ties());
    runs += line;
    for (size_t k = 0; k < class_names.size(); ++k) {
      const auto pk = bench::summarize(by_class[k].latency);
      std::snprintf(line, sizeof line,
                    "%s\"%s\": {\"queries\": %zu, \"recall_at_10\": %.4f, "
                    "\"recall_ties\": %.4f, \"search_p50_ms\": %.3f, "
                    "\"exact_10th_similarity\": %.3f}",
                    k == 0 ? "" : ", ", class_names[k], by_class[k].latency.size(),
                    by_class[k].recall(), by_class[k].recall_ties(), pk.p50,
                    by_class[k].tenth_sum / static_cast<double>(std::max<size_t>(
                                                1, by_class[k].latency.size())));
      runs += line;
    }
    runs += "}}";
  }
  std::string store;
  if (o.store > 0) {
    std::vector<std::string> texts;
    for (size_t q = 0; q < std::min<size_t>(queries.size(), 200); ++q)
      texts.push_back(queries[q].text);
    store = ", \"store\": {" + store_section(o, notes, texts) + "}";
  }
  std::printf("{\"bench\": \"memory\", \"corpus\": \"%s\", \"memories\": %zu, "
              "\"dimension\": %zu, "
              "\"embedder\": \"%s\", \"embed_per_s\": %.0f, \"m\": %zu, "
              "\"ef_construction\": %zu, \"insert_threads\": %zu, "
              "\"insert_per_s\": %.0f, \"queries\": %zu, \"search\": [%s], "
              "\"targets\": {\"recall_at_10\": 0.95, \"search_p50_ms\": 1.0}%s}\n",
              o.corpus == corpus_kind::topical ? "topical" : "random", o.memories, dim,
              embedder.name().c_str(),
              1000.0 * static_cast<double>(o.memories) / embed_ms, o.m, o.ef_construction,
              o.threads, 1000.0 * static_cast<double>(o.memories) / insert_ms, o.queries,
              runs.c_str(), store.c_str());
  return 0;
}
