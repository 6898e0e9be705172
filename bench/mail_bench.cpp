// swarm_mail_bench: agent mail through the public API.
//
//   throughput  --clients C threads, each alternating a durable send (to 1–3 of
//               --agents registered agents; answered after commit) and an inbox fetch
//               of one recipient, for --ops operations in all: ops/s and p50/p99 per
//               operation kind.
//   search      the corpus grown to --corpus messages (random words from a 2,000-word
//               vocabulary), then --queries full-text searches (one or two words, some
//               with a field) by random viewers: p50/p99.
//
// Prints one JSON object (and a short table on stderr). Run a Release build:
//   swarm_mail_bench [--ops 20000] [--clients 16] [--agents 32] [--corpus 100000]
//                    [--queries 300] [--dir DIR] [--keep]

#include "bench_support.hpp"

#include <swarm/swarm.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using clock_type = bench::clock;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_mail_bench", what);
}

struct bench_options {
  size_t ops = 20'000, clients = 16, agents = 32, corpus = 100'000, queries = 300;
  std::string dir = "/tmp";
  bool keep = false;
};

bench_options parse(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_mail_bench");
  while (a.next()) {
    if (a.is("--ops"))
      o.ops = a.number();
    else if (a.is("--clients"))
      o.clients = std::max<size_t>(1, a.number());
    else if (a.is("--agents"))
      o.agents = std::max<size_t>(2, a.number());
    else if (a.is("--corpus"))
      o.corpus = a.number();
    else if (a.is("--queries"))
      o.queries = std::max<size_t>(1, a.number());
    else if (a.is("--dir"))
      o.dir = a.value();
    else if (a.is("--keep"))
      o.keep = true;
    else
      a.unknown();
  }
  return o;
}

using bench::summarize;

std::vector<std::string> vocabulary() {
  std::mt19937_64 rng{7};
  std::vector<std::string> words;
  const char* syllables[] = {"ka",  "to", "ri",  "mu",  "sen", "dar", "lo", "vi",
                             "pex", "an", "qui", "zor", "bel", "tam", "fu", "ne"};
  while (words.size() < 2000) {
    std::string w;
    for (int s = 0, n = 2 + int(rng() % 3); s < n; ++s)
      w += syllables[rng() % 16];
    words.push_back(w);
  }
  return words;
}

std::string sentence(std::mt19937_64& rng, const std::vector<std::string>& words,
                     size_t n) {
  // Zipf-like: low indices far more often, as in real text.
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const size_t k = std::min(words.size() - 1, size_t(std::pow(words.size(), u)) - 1);
    out += (out.empty() ? "" : " ") + words[k];
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  auto root = fs::path{o.dir} / ("swarm-mail-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  swarm::options opts;
  opts.db_path = (root / "swarm.db").string();
  auto opened = swarm::engine::open(opts);
  if (!opened) die(opened.error().to_string());
  auto& e = **opened;
  std::vector<std::string> agents;
  for (size_t i = 0; i < o.agents; ++i) {
    auto a = e.register_agent("agent-" + std::to_string(i));
    if (!a) die(a.error().to_string());
    agents.push_back(a->name);
  }
  const auto words = vocabulary();

  // Throughput: send + inbox from many client threads.
  std::vector<double> send_us, inbox_us;
  std::mutex mtx;
  std::atomic<size_t> issued{0};
  const auto t0 = clock_type::now();
  std::vector<std::thread> clients;
  for (size_t c = 0; c < o.clients; ++c)
    clients.emplace_back([&, c] {
      std::mt19937_64 rng{c + 1};
      std::vector<double> my_send, my_inbox;
      while (issued.fetch_add(1) < o.ops) {
        swarm::mail_draft d;
        d.from = agents[rng() % agents.size()];
        for (size_t k = 0, n = 1 + rng() % 3; k < n; ++k) {
          auto to = agents[rng() % agents.size()];
          if (to != d.from) d.to.push_back(to);
        }
        if (d.to.empty()) d.to.push_back(d.from == agents[0] ? agents[1] : agents[0]);
        d.subject = sentence(rng, words, 5);
        d.body = sentence(rng, words, 40);
        auto a = clock_type::now();
        if (auto r = e.send_mail(d); !r) die(r.error().to_string());
        my_send.push_back(bench::micros_since(a));
        if (issued.fetch_add(1) >= o.ops) break;
        swarm::inbox_filter f;
        f.limit = 20;
        a = clock_type::now();
        if (auto r = e.inbox(d.to.front(), f); !r) die(r.error().to_string());
        my_inbox.push_back(bench::micros_since(a));
      }
      std::lock_guard<std::mutex> g{mtx};
      send_us.insert(send_us.end(), my_send.begin(), my_send.end());
      inbox_us.insert(inbox_us.end(), my_inbox.begin(), my_inbox.end());
    });
  for (auto& t : clients)
    t.join();
  const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  const size_t done = send_us.size() + inbox_us.size();
  std::vector<double> all = send_us;
  all.insert(all.end(), inbox_us.begin(), inbox_us.end());
  const auto ps = summarize(send_us), pi = summarize(inbox_us), pa = summarize(all);

  // Grow the corpus for search (parallel senders, not timed per message).
  const size_t have = send_us.size();
  const auto g0 = clock_type::now();
  if (o.corpus > have) {
    std::atomic<size_t> left{o.corpus - have};
    std::vector<std::thread> fillers;
    for (size_t c = 0; c < o.clients; ++c)
      fillers.emplace_back([&, c] {
        std::mt19937_64 rng{1000 + c};
        while (true) {
          size_t n = left.load();
          if (n == 0 || !left.compare_exchange_weak(n, n - 1)) {
            if (n == 0) break;
            continue;
          }
          swarm::mail_draft d;
          d.from = agents[rng() % agents.size()];
          d.to = {agents[rng() % agents.size()]};
          if (d.to[0] == d.from) d.to[0] = d.from == agents[0] ? agents[1] : agents[0];
          d.subject = sentence(rng, words, 5);
          d.body = sentence(rng, words, 40);
          if (auto r = e.send_mail(d); !r) die(r.error().to_string());
        }
      });
    for (auto& t : fillers)
      t.join();
  }
  const double fill_s = std::chrono::duration<double>(clock_type::now() - g0).count();

  std::mt19937_64 rng{99};
  std::vector<double> search_us;
  size_t hits = 0;
  for (size_t q = 0; q < o.queries; ++q) {
    std::string query = words[rng() % 200];
    if (q % 3 == 1) query += " " + words[rng() % 400];
    if (q % 5 == 2) query = "subject:" + query.substr(0, query.find(' '));
    const auto& viewer = agents[rng() % agents.size()];
    const auto a = clock_type::now();
    auto r = e.search_mail(query, viewer, 20);
    search_us.push_back(bench::micros_since(a));
    if (!r) die(r.error().to_string());
    hits += r->size();
  }
  const auto pq = summarize(search_us);
  const size_t corpus = std::max(o.corpus, have);

  std::fprintf(stderr,
               "mail: %zu ops (send + inbox) by %zu clients in %.2f s = %.0f ops/s\n"
               "  send  p50 %.0f us  p99 %.0f us\n  inbox p50 %.0f us  p99 %.0f us\n"
               "  all   p50 %.0f us  p99 %.0f us\n"
               "search over %zu messages (%.1f s to fill): p50 %.2f ms  p99 %.2f ms, "
               "%.1f hits/query\n",
               done, o.clients, seconds, done / seconds, ps.p50, ps.p99, pi.p50, pi.p99,
               pa.p50, pa.p99, corpus, fill_s, pq.p50 / 1000, pq.p99 / 1000,
               double(hits) / o.queries);
  std::printf(
      "{\"bench\":\"mail\",\"ops\":%zu,\"clients\":%zu,\"agents\":%zu,\"seconds\":%.3f,"
      "\"ops_per_s\":%.0f,\"send_p50_us\":%.0f,\"send_p99_us\":%.0f,"
      "\"inbox_p50_us\":%.0f,\"inbox_p99_us\":%.0f,\"op_p50_us\":%.0f,"
      "\"op_p99_us\":%.0f,\"search_corpus\":%zu,\"search_queries\":%zu,"
      "\"search_p50_ms\":%.3f,\"search_p99_ms\":%.3f,\"hits_per_query\":%.1f,"
      "\"targets\":{\"ops_per_s\":100000,\"op_p99_us\":1000,\"search_p50_ms\":5}}\n",
      done, o.clients, o.agents, seconds, done / seconds, ps.p50, ps.p99, pi.p50, pi.p99,
      pa.p50, pa.p99, corpus, o.queries, pq.p50 / 1000, pq.p99 / 1000,
      double(hits) / o.queries);
  opened->reset();
  if (!o.keep) fs::remove_all(root);
  return 0;
}
