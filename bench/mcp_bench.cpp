// swarm_mcp_bench: an MCP tools/call round trip over stdio, through to a durable
// mail_send — what a model pays per tool call. The built `swarm mcp` runs as a
// subprocess with pipes, as a model CLI starts it, acting as agent "alice":
//
//   in_process  no engine running: `swarm mcp` opens one for the session
//   via_serve   beside a running `swarm serve`: each call goes through its control socket
//
// Each mode: initialize, --warmup calls, then --calls mail_send calls to "bob", one at a
// time, each timed from writing the request line to reading its reply line (the reply
// comes after the message is committed). Also the size of the tools/list answer
// (bytes, and bytes/4 as a token estimate; bench/mcp_tokens.mjs counts real tokens).
//
// Prints one JSON object. Run a Release build:
//   swarm_mcp_bench [--calls 2000] [--warmup 100] [--swarm PATH] [--dir DIR] [--keep]

#include "bench_support.hpp"
#include "tests/support/pipe_child.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

[[noreturn]] void die(const std::string& what) {
  bench::die("swarm_mcp_bench", what);
}

struct bench_options {
  size_t calls = 2000, warmup = 100;
  std::string swarm = SWARM_BINARY;
  std::string dir = "/tmp";
  bool keep = false;
};

// A child with pipes to its stdin and from its stdout, stderr to `err`, in this
// environment without SWARM_* plus `extra_env`; the bench stops on any failure.
class child {
public:
  child(std::vector<std::string> args, const std::string& cwd, const std::string& err,
        const std::vector<std::string>& extra_env)
      : proc_(std::move(args), cwd, environment(extra_env), err) {
    if (!proc_.started()) die("cannot start " + cwd + ": pipe or fork failed");
  }
  pid_t pid() const { return proc_.pid(); }
  void send(const std::string& line) {
    if (!proc_.send(line)) die("cannot write to the child");
  }
  std::string line() {
    auto l = proc_.line(30000);
    if (!l) die("no line from the child in time, or it closed its output");
    return *l;
  }
  int finish() { return proc_.finish(30000); }

private:
  static std::vector<std::string> environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e)
      if (std::strncmp(*e, "SWARM_", 6) != 0) env.emplace_back(*e);
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  swarm::test::pipe_child proc_;
};

int run_to_end(const bench_options& o, std::vector<std::string> args,
               const std::string& cwd) {
  args.insert(args.begin(), o.swarm);
  child c{args, cwd, cwd + "/cmd-stderr.txt", {}};
  return c.finish();
}

struct mode_result {
  bench::percentiles us;
  double mean_us = 0;
  size_t tools_list_bytes = 0;
  size_t tools = 0;
};

// One session: initialize, tools/list, warmup, then the timed calls.
mode_result session(const bench_options& o, const std::string& cwd,
                    const std::string& db) {
  child mcp{
      {o.swarm, "mcp", "--db", db}, cwd, cwd + "/mcp-stderr.txt", {"SWARM_AGENT=alice"}};
  mcp.send(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})");
  mcp.line();
  mcp.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  mcp.send(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  mode_result r;
  const auto listed = json::parse(mcp.line());
  r.tools_list_bytes = json::serialize(listed.at("result")).size();
  r.tools = listed.at("result").at("tools").as_array().size();
  std::vector<double> times;
  times.reserve(o.calls);
  for (size_t i = 0; i < o.warmup + o.calls; ++i) {
    const auto request =
        R"({"jsonrpc":"2.0","id":)" + std::to_string(i + 2) +
        R"(,"method":"tools/call","params":{"name":"mail_send","arguments":{"to":["bob"],"subject":"bench )" +
        std::to_string(i) + R"(","body":"a durable message"}}})";
    const auto t0 = bench::clock::now();
    mcp.send(request);
    const auto reply = mcp.line();
    const double us = bench::micros_since(t0);
    if (reply.find(R"("isError":false)") == std::string::npos)
      die("mail_send failed: " + reply);
    if (i >= o.warmup) times.push_back(us);
  }
  if (mcp.finish() != 0) die("swarm mcp exited with an error");
  double sum = 0;
  for (double t : times)
    sum += t;
  r.mean_us = times.empty() ? 0 : sum / static_cast<double>(times.size());
  r.us = bench::summarize(std::move(times));
  return r;
}

// A fresh swarm directory with agents alice and bob.
std::string prepare(const bench_options& o, const char* name) {
  auto dir =
      fs::path(o.dir) / ("swarm-mcp-bench-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* agent : {"alice", "bob"})
    if (run_to_end(
            o, {"agent", "register", agent, "--db", (dir / ".swarm/swarm.db").string()},
            dir.string()) != 0)
      die("swarm agent register failed in " + dir.string());
  return dir.string();
}

std::string figures(const mode_result& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf, R"({"p50_us":%.1f,"p99_us":%.1f,"mean_us":%.1f})",
                r.us.p50, r.us.p99, r.mean_us);
  return buf;
}

} // namespace

int main(int argc, char** argv) {
  bench_options o;
  bench::args a(argc, argv, "swarm_mcp_bench",
                "[--calls N] [--warmup N] [--swarm PATH] [--dir DIR] [--keep]");
  while (a.next()) {
    if (a.is("--calls"))
      o.calls = std::max<size_t>(1, a.number());
    else if (a.is("--warmup"))
      o.warmup = a.number();
    else if (a.is("--swarm"))
      o.swarm = a.value();
    else if (a.is("--dir"))
      o.dir = a.value();
    else if (a.is("--keep"))
      o.keep = true;
    else
      a.unknown();
  }
  if (!fs::exists(o.swarm)) die("no swarm binary at " + o.swarm + " (pass --swarm PATH)");

  const auto alone = prepare(o, "alone");
  const auto in_process = session(o, alone, alone + "/.swarm/swarm.db");

  const auto beside = prepare(o, "serve");
  const std::string db = beside + "/.swarm/swarm.db";
  child serve{{o.swarm, "serve", "--db", db, "--listen", "127.0.0.1:0"},
              beside,
              beside + "/serve-stderr.txt",
              {}};
  while (serve.line().find("serving http://") == std::string::npos) {
  }
  const auto via_serve = session(o, beside, db);
  ::kill(serve.pid(), SIGTERM);
  serve.finish();

  std::cout << R"({"bench":"mcp","calls":)" << o.calls << R"(,"tool":"mail_send")"
            << R"(,"stdio_in_process":)" << figures(in_process)
            << R"(,"stdio_via_serve":)" << figures(via_serve)
            << R"(,"tools_list":{"tools":)" << in_process.tools << R"(,"bytes":)"
            << in_process.tools_list_bytes << R"(,"tokens_estimate":)"
            << in_process.tools_list_bytes / 4 << "}}\n";
  if (!o.keep) {
    fs::remove_all(alone);
    fs::remove_all(beside);
  }
  return 0;
}
