// swarm_stream_bench: the journal as a live stream (GET /api/stream) under a burst.
//
// An engine serves HTTP on 127.0.0.1 (any free port); --subscribers client threads
// each hold a Server-Sent Events stream from the journal's current end; then --writers
// threads add --ops tasks through the engine API (each answered after its commit).
// Reported: whether every subscriber got every event of the burst exactly once and in
// order; the lag per (subscriber, event) from the commit acknowledgement (add_task
// returning; clamped at 0 when the stream was faster than the reply) and from the
// event's own time (ts_us: taken before the commit) to its receipt, p50/p99/max; and
// the time from the burst's end to each subscriber's last event.
//
// Prints one JSON object (and a short summary on stderr). Run a Release build:
//   swarm_stream_bench [--ops 10000] [--subscribers 50] [--writers 8] [--dir DIR]
//                      [--keep]

#include "bench_support.hpp"

#include <swarm/json.hpp>
#include <swarm/swarm.hpp>

#include <boost/json.hpp>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = bench::clock;

[[noreturn]] void die(const std::string& what) { bench::die("swarm_stream_bench", what); }

struct bench_options {
  size_t ops = 10'000, subscribers = 50, writers = 8;
  std::string dir = "/tmp";
  bool keep = false;
};

bench_options parse(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_stream_bench",
                "[--ops N] [--subscribers N] [--writers N] [--dir DIR] [--keep]");
  while (a.next()) {
    if (a.is("--ops"))
      o.ops = std::max<size_t>(1, a.number());
    else if (a.is("--subscribers"))
      o.subscribers = std::max<size_t>(1, a.number());
    else if (a.is("--writers"))
      o.writers = std::max<size_t>(1, a.number());
    else if (a.is("--dir"))
      o.dir = a.value();
    else if (a.is("--keep"))
      o.keep = true;
    else
      a.unknown();
  }
  return o;
}

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One SSE subscriber: the seq and receipt time (wall µs) of each event, in order.
struct subscriber {
  std::vector<std::pair<int64_t, int64_t>> got;
  std::string buffer;
  bool failed = false;
};

// Reads the stream from `since` until an event at or after `until` arrives.
void subscribe(int port, const std::string& token, int64_t since,
               const std::atomic<int64_t>& until, subscriber& s,
               std::atomic<size_t>& connected) {
  httplib::Client c{"127.0.0.1", port};
  c.set_read_timeout(120);
  const std::string path = "/api/stream?since=" + std::to_string(since);
  bool counted = false;
  auto r = c.Get(
      path.c_str(), {{"Authorization", "Bearer " + token}},
      [&](const httplib::Response& res) {
        if (res.status != 200) return false;
        ++connected; // headers arrive before any event
        counted = true;
        return true;
      },
      [&](const char* data, size_t n) {
        const auto now = wall_us();
        s.buffer.append(data, n);
        for (size_t end; (end = s.buffer.find("\n\n")) != std::string::npos;) {
          if (s.buffer.compare(0, 4, "id: ") == 0) {
            const int64_t seq = std::stoll(s.buffer.substr(4, s.buffer.find('\n') - 4));
            s.got.emplace_back(seq, now);
            if (seq >= until.load()) return false;
          }
          s.buffer.erase(0, end + 2);
        }
        return true;
      });
  if (!counted) {
    s.failed = true;
    ++connected;
  }
  (void)r; // cancelled by us: the normal end
}

double max_of(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

} // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  auto root = fs::path{o.dir} / ("swarm-stream-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  swarm::options opts;
  opts.db_path = (root / "swarm.db").string();
  auto opened = swarm::engine::open(opts);
  if (!opened) die(opened.error().to_string());
  auto& e = **opened;
  auto where = e.serve_http("127.0.0.1", 0);
  if (!where) die(where.error().to_string());
  const int port = std::stoi(where->substr(where->rfind(':') + 1));
  std::string token;
  std::ifstream{swarm::operator_token_path(opts)} >> token;
  auto first = e.events(0, 0);
  if (!first) die(first.error().to_string());
  const int64_t start = first->last_seq;

  std::atomic<int64_t> until{LLONG_MAX};
  std::atomic<size_t> connected{0};
  std::vector<subscriber> subs(o.subscribers);
  std::vector<std::thread> readers;
  for (auto& s : subs)
    readers.emplace_back(
        [&, sp = &s] { subscribe(port, token, start, until, *sp, connected); });
  while (connected.load() < o.subscribers)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

  // The burst: every task's id and when its commit was acknowledged.
  std::mutex mtx;
  std::map<std::string, int64_t> acked;
  std::atomic<size_t> next{0};
  const auto burst_start = clock_type::now();
  std::vector<std::thread> writers;
  for (size_t w = 0; w < o.writers; ++w)
    writers.emplace_back([&] {
      std::vector<std::pair<std::string, int64_t>> mine;
      for (size_t i; (i = next++) < o.ops;) {
        swarm::new_task t;
        t.title = "Streamed task " + std::to_string(i);
        auto r = e.add_task(t);
        if (!r) die(r.error().to_string());
        mine.emplace_back(r->t.spec.id, wall_us());
      }
      std::lock_guard<std::mutex> guard{mtx};
      for (auto& [id, at] : mine)
        acked[id] = at;
    });
  for (auto& w : writers)
    w.join();
  const double burst_s = bench::seconds_since(burst_start);
  const int64_t burst_end = wall_us();
  auto last = e.events(0, 0);
  if (!last) die(last.error().to_string());
  until = last->last_seq;
  // Wakes subscribers that already read everything: one more event past the end.
  swarm::new_task marker;
  marker.title = "end of burst";
  if (auto r = e.add_task(marker); !r) die(r.error().to_string());
  for (auto& r : readers)
    r.join();

  // The burst's events: seq -> (its task's ack time, its own time).
  std::map<int64_t, std::pair<int64_t, int64_t>> expected;
  for (int64_t since = start; since < until.load();) {
    auto page = e.events(since, 10000);
    if (!page) die(page.error().to_string());
    if (page->events.empty()) break;
    for (const auto& ev : page->events) {
      if (ev.seq > until.load()) break;
      int64_t ack = 0;
      if (ev.kind == "task.created") {
        auto body = boost::json::parse(ev.body);
        const auto* spec = body.as_object().if_contains("spec");
        const auto& obj = spec && spec->is_object() ? spec->as_object() : body.as_object();
        if (const auto* id = obj.if_contains("id"); id && id->is_string())
          if (auto it = acked.find(std::string{id->as_string()}); it != acked.end())
            ack = it->second;
      }
      expected[ev.seq] = {ack, ev.ts.time_since_epoch().count()};
    }
    since = page->events.back().seq;
  }

  std::vector<double> ack_lag_ms, event_lag_ms, drain_ms;
  size_t complete = 0, failed = 0;
  for (const auto& s : subs) {
    failed += s.failed ? 1 : 0;
    std::vector<int64_t> seqs;
    int64_t last_at = 0;
    for (const auto& [seq, at] : s.got) {
      if (seq > until.load()) continue;
      seqs.push_back(seq);
      last_at = at;
      auto it = expected.find(seq);
      if (it == expected.end()) continue;
      if (it->second.first != 0)
        ack_lag_ms.push_back(std::max<int64_t>(0, at - it->second.first) / 1000.0);
      event_lag_ms.push_back((at - it->second.second) / 1000.0);
    }
    bool all = seqs.size() == expected.size();
    for (size_t i = 0; all && i < seqs.size(); ++i)
      all = seqs[i] == start + 1 + static_cast<int64_t>(i);
    complete += all ? 1 : 0;
    drain_ms.push_back(std::max<int64_t>(0, last_at - burst_end) / 1000.0);
  }
  const auto pa = bench::summarize(ack_lag_ms), pe = bench::summarize(event_lag_ms),
             pd = bench::summarize(drain_ms);
  std::fprintf(stderr,
               "stream: %zu ops (%zu events) by %zu writers in %.2f s; %zu/%zu "
               "subscribers got every event once, in order\n"
               "  ack-to-receive   p50 %.2f ms  p99 %.2f ms  max %.2f ms\n"
               "  event-to-receive p50 %.2f ms  p99 %.2f ms  max %.2f ms\n"
               "  burst end to last event  p50 %.2f ms  max %.2f ms\n",
               o.ops, expected.size(), o.writers, burst_s, complete, o.subscribers, pa.p50,
               pa.p99, max_of(ack_lag_ms), pe.p50, pe.p99, max_of(event_lag_ms), pd.p50,
               max_of(drain_ms));
  std::printf(
      "{\"bench\":\"stream\",\"ops\":%zu,\"events\":%zu,\"writers\":%zu,"
      "\"subscribers\":%zu,\"subscribers_complete\":%zu,\"subscribers_failed\":%zu,"
      "\"burst_seconds\":%.3f,\"ops_per_s\":%.0f,"
      "\"ack_to_receive_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
      "\"event_to_receive_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f},"
      "\"burst_end_to_last_event_ms\":{\"p50\":%.3f,\"max\":%.3f}}\n",
      o.ops, expected.size(), o.writers, o.subscribers, complete, failed, burst_s,
      o.ops / burst_s, pa.p50, pa.p99, max_of(ack_lag_ms), pe.p50, pe.p99,
      max_of(event_lag_ms), pd.p50, max_of(drain_ms));
  opened->reset();
  if (!o.keep) fs::remove_all(root);
  return complete == o.subscribers ? 0 : 1;
}
