// swarm_http_bench: the HTTP API's request rate, through the public API.
//
//   status   an engine holding --tasks tasks and --agents outside agents serves HTTP on
//            127.0.0.1 (port 0); --clients threads, each on one keep-alive connection,
//            send `GET /api/status` with the operator token back to back for
//            --seconds: requests/s and p50/p99 latency. The clients are plain sockets
//            in this process, so they share the machine's cores with the server — the
//            figure is what one machine does end to end, clients included.
//   direct   the same engine's status() called in a loop from one thread: the cost
//            below HTTP, for comparison.
//
// Prints one JSON object (and a short line on stderr). Run a Release build:
//   swarm_http_bench [--clients 4] [--seconds 5] [--tasks 1000] [--agents 8]
//                    [--dir DIR] [--keep]

#include "bench_support.hpp"
#include "tests/support/raw_http.hpp"

#include <swarm/swarm.hpp>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_http_bench", what);
}

struct bench_options {
  size_t clients = 4, seconds = 5, tasks = 1000, agents = 8;
  std::string dir = "/tmp";
  bool keep = false;
};

bench_options parse(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_http_bench",
                "[--clients 4] [--seconds 5] [--tasks 1000] [--agents 8] [--dir DIR] "
                "[--keep]");
  while (a.next()) {
    if (a.is("--clients"))
      o.clients = std::max<size_t>(1, a.number());
    else if (a.is("--seconds"))
      o.seconds = std::max<size_t>(1, a.number());
    else if (a.is("--tasks"))
      o.tasks = a.number();
    else if (a.is("--agents"))
      o.agents = a.number();
    else if (a.is("--dir"))
      o.dir = a.value();
    else if (a.is("--keep"))
      o.keep = true;
    else
      a.unknown();
  }
  return o;
}

// A plan of independent tasks.
std::string write_plan(const fs::path& dir, size_t n) {
  const auto path = dir / "plan.md";
  std::ofstream out{path};
  out << "# Bench\n\n";
  for (size_t i = 0; i < n; ++i)
    out << "- task " << i << "\n";
  return path.string();
}

struct load_result {
  size_t requests = 0, failures = 0;
  double seconds = 0;
  bench::percentiles latency_us;
};

load_result drive(uint16_t port, const std::string& token, const bench_options& o) {
  const std::string request = "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer " +
                              token + "\r\n\r\n";
  std::atomic<bool> done{false};
  std::vector<std::vector<double>> latencies(o.clients);
  std::vector<size_t> failures(o.clients, 0);
  std::vector<std::thread> threads;
  const auto t0 = bench::clock::now();
  for (size_t c = 0; c < o.clients; ++c)
    threads.emplace_back([&, c] {
      swarm::test::raw_http conn{port};
      if (!conn.connected()) die("cannot connect to 127.0.0.1:" + std::to_string(port));
      auto& mine = latencies[c];
      mine.reserve(200'000);
      while (!done.load(std::memory_order_relaxed)) {
        const auto start = bench::clock::now();
        std::optional<swarm::test::raw_http::response> answer;
        if (!conn.send(request) || !(answer = conn.read_response()) || answer->status != 200) {
          ++failures[c];
          return;
        }
        mine.push_back(bench::micros_since(start));
      }
    });
  std::this_thread::sleep_for(std::chrono::seconds(o.seconds));
  done = true;
  for (auto& t : threads)
    t.join();
  load_result r;
  r.seconds = bench::seconds_since(t0);
  std::vector<double> all;
  for (size_t c = 0; c < o.clients; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    r.failures += failures[c];
  }
  r.requests = all.size();
  r.latency_us = bench::summarize(std::move(all));
  return r;
}

// status() calls per second from one thread, for about a second.
double direct_rate(swarm::engine& e) {
  const auto t0 = bench::clock::now();
  size_t n = 0;
  while (bench::seconds_since(t0) < 1.0) {
    if (!e.status()) die("status failed");
    ++n;
  }
  return static_cast<double>(n) / bench::seconds_since(t0);
}

} // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  const auto dir = fs::path{o.dir} / ("swarm-http-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  swarm::options opts;
  opts.db_path = (dir / "swarm.db").string();
  auto engine = swarm::engine::open(opts);
  if (!engine) die(engine.error().message);
  if (o.tasks > 0)
    if (auto r = (*engine)->load_plan(write_plan(dir, o.tasks)); !r) die(r.error().message);
  for (size_t i = 0; i < o.agents; ++i)
    if (auto r = (*engine)->register_agent("outside-" + std::to_string(i)); !r)
      die(r.error().message);
  auto where = (*engine)->serve_http("127.0.0.1", 0);
  if (!where) die(where.error().message);
  const auto port = static_cast<uint16_t>(std::stoul(where->substr(where->rfind(':') + 1)));
  std::ifstream token_file{swarm::operator_token_path(opts)};
  std::string token;
  token_file >> token;

  const double direct = direct_rate(**engine);
  const auto r = drive(port, token, o);
  const double rate = static_cast<double>(r.requests) / r.seconds;
  std::cerr << "GET /api/status: " << static_cast<long>(rate) << " req/s over " << o.clients
            << " keep-alive connections (p50 " << r.latency_us.p50 << " us, p99 "
            << r.latency_us.p99 << " us); status() direct: " << static_cast<long>(direct)
            << "/s\n";
  std::cout << "{\"bench\":\"http\",\"clients\":" << o.clients << ",\"seconds\":" << r.seconds
            << ",\"tasks\":" << o.tasks << ",\"agents\":" << o.agents
            << ",\"status_requests\":" << r.requests << ",\"failures\":" << r.failures
            << ",\"status_per_s\":" << rate << ",\"status_p50_us\":" << r.latency_us.p50
            << ",\"status_p99_us\":" << r.latency_us.p99
            << ",\"direct_status_per_s\":" << direct << "}\n";
  engine->reset();
  if (!o.keep) fs::remove_all(dir);
  return r.failures == 0 ? 0 : 1;
}
