#pragma once
// Helpers for the end-to-end tests: each test drives the built `swarm` binary
// (SWARM_BINARY) as a subprocess in a fresh temp directory, and may read the
// database it leaves behind read-only. Used from the test thread only.
//
// Every child runs under a deadline: a hung child is killed (its whole process
// group) and the test fails, so the suite never hangs. Waiting is done by poll
// loops with deadlines, never by sleeping a fixed time and hoping.

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace e2e {

// 4 leaf tasks under 2 headings, one dependency: 7 tasks in all.
inline const char* small_plan = R"(# Small plan

## Backend
- Schema
  priority: P0
- Queries
  depends: Schema

## Frontend
- Page
- Styles
)";

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

using steady = std::chrono::steady_clock;

// A fresh directory under /tmp, removed with everything in it at scope exit (kept when
// SWARM_E2E_KEEP is set).
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = "/tmp/swarm-e2e-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      FAIL("mkdtemp failed: " << std::strerror(errno));
    path_ = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    if (std::getenv("SWARM_E2E_KEEP") != nullptr)
      return; // kept for a post-mortem
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }
  fs::path db() const { return path_ / ".swarm" / "swarm.db"; }

private:
  fs::path path_;
};

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

// What a finished child left: its exit code (or the signal that ended it) and output.
struct outcome {
  int exit_code = -1;  // -1 when ended by a signal
  int signal = 0;
  std::string out;
  std::string err;
  std::string command; // for messages
};

inline std::ostream& operator<<(std::ostream& os, const outcome& o) {
  return os << "`" << o.command << "` exit " << o.exit_code
            << (o.signal != 0 ? " signal " + std::to_string(o.signal) : std::string{})
            << "\n--- stdout ---\n" << o.out << "--- stderr ---\n" << o.err;
}

// The binary under test: the one this build made, unless SWARM_E2E_BINARY names
// another (an installed swarm, or a build with a candidate fix).
inline std::string binary() {
  const char* env = std::getenv("SWARM_E2E_BINARY");
  return env != nullptr && *env != '\0' ? env : SWARM_BINARY;
}

// The test process's environment without its SWARM_* variables: a developer's
// SWARM_AGENTS or SWARM_DB would otherwise change what every command does.
inline std::vector<std::string> clean_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view{*e}.rfind("SWARM_", 0) != 0) env.emplace_back(*e);
  return env;
}

// One running `swarm` subprocess, in clean_environment(); its stdout and stderr go to
// files beside the test's temp directory (under .e2e-logs/ so they never mix with the
// swarm's own files).
class process {
public:
  // `program`, when given, is the argv that runs instead of the swarm binary (`args`
  // follow it: setpriv running a copy of swarm, say); `extra_env` (KEY=VALUE) goes on
  // top of clean_environment(), replacing a variable of the same name.
  process(const fs::path& cwd, std::vector<std::string> args,
          std::vector<std::string> program = {}, std::vector<std::string> extra_env = {}) {
    static int counter = 0;
    auto logs = cwd / ".e2e-logs";
    fs::create_directories(logs);
    auto n = std::to_string(++counter);
    out_path_ = logs / ("out-" + n + ".txt");
    err_path_ = logs / ("err-" + n + ".txt");
    if (program.empty()) program.push_back(binary());
    args.insert(args.begin(), program.begin(), program.end());
    for (const auto& a : args)
      command_ += (command_.empty() ? "" : " ") + a;
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    auto env = clean_environment();
    // An extra KEY=VALUE replaces the inherited KEY: getenv finds the first one.
    for (const auto& x : extra_env) {
      const auto key = x.substr(0, x.find('=') + 1);
      env.erase(std::remove_if(env.begin(), env.end(),
                               [&](const std::string& e) { return e.rfind(key, 0) == 0; }),
                env.end());
    }
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> envp;
    for (auto& e : env)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    // Everything the child needs is prepared before fork: after fork only
    // async-signal-safe calls are allowed (the test process may have threads).
    std::string dir = cwd.string(), out = out_path_.string(), err = err_path_.string();
    pid_ = ::fork();
    if (pid_ < 0)
      FAIL("fork failed: " << std::strerror(errno));
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      if (o < 0 || e < 0 || in < 0 || ::chdir(dir.c_str()) != 0)
        ::_exit(127);
      ::dup2(in, 0);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_); // also from the parent, so a kill right away reaches the group
  }
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process() {
    if (running()) {
      ::kill(-pid_, SIGKILL);
      reap(true);
    }
  }

  pid_t pid() const { return pid_; }
  const std::string& command() const { return command_; }

  bool running() {
    if (done_)
      return false;
    reap(false);
    return !done_;
  }

  // Sends a signal to the child (e.g. SIGSTOP / SIGCONT to freeze it mid-command).
  void signal(int sig) {
    REQUIRE(running());
    REQUIRE(::kill(pid_, sig) == 0);
  }

  // SIGKILL, no chance to clean up — a crash.
  void kill_hard() {
    REQUIRE(running());
    ::kill(-pid_, SIGKILL);
    reap(true);
  }

  // Waits until the child exits; a child still running at the deadline is killed and
  // the test fails.
  outcome wait(std::chrono::milliseconds timeout) {
    auto deadline = steady::now() + timeout;
    while (running()) {
      if (steady::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        reap(true);
        FAIL("timed out after " << timeout.count() << " ms: " << result());
      }
      std::this_thread::sleep_for(5ms);
    }
    return result();
  }

  outcome result() const {
    outcome o;
    o.command = command_;
    if (done_) {
      if (WIFEXITED(status_))
        o.exit_code = WEXITSTATUS(status_);
      else if (WIFSIGNALED(status_))
        o.signal = WTERMSIG(status_);
    }
    o.out = read_text(out_path_);
    o.err = read_text(err_path_);
    return o;
  }

private:
  void reap(bool block) {
    if (done_)
      return;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    if (r == pid_) {
      status_ = st;
      done_ = true;
    }
  }

  pid_t pid_ = -1;
  bool done_ = false;
  int status_ = 0;
  fs::path out_path_, err_path_;
  std::string command_;
};

// Runs `swarm ARGS...` in `cwd` to completion (or failure at the deadline).
inline outcome swarm(const fs::path& cwd, std::vector<std::string> args,
                     std::chrono::milliseconds timeout = 30s) {
  process p{cwd, std::move(args)};
  return p.wait(timeout);
}

// Polls `done` every few milliseconds until it holds or the deadline passes.
inline bool poll_until(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
  auto deadline = steady::now() + timeout;
  for (;;) {
    if (done())
      return true;
    if (steady::now() > deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
}

inline json::value parse_json(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  INFO("JSON text: " << text);
  REQUIRE_FALSE(ec);
  return v;
}

// Runs `swarm ARGS --json` in `dir`, requires exit 0 and returns the parsed output.
inline json::value ok_json(const temp_dir& dir, std::vector<std::string> args) {
  args.push_back("--json");
  auto r = swarm(dir.path(), args);
  INFO(r);
  REQUIRE(r.exit_code == 0);
  return parse_json(r.out);
}

// Registers outside agents (`swarm agent register NAME`).
inline void register_agents(const temp_dir& dir, std::initializer_list<const char*> names) {
  for (const char* n : names)
    REQUIRE(swarm(dir.path(), {"agent", "register", n}).exit_code == 0);
}

// Waits until the `swarm run` started in `dir` serves its control socket; fails the
// test if the run ends first.
inline void wait_for_engine(const temp_dir& dir, process& run) {
  REQUIRE(poll_until(20s, [&] {
    if (!run.running()) FAIL("the run ended early: " << run.result());
    return fs::exists(dir.path() / ".swarm" / "control.sock");
  }));
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline int64_t int_at(const json::value& v, const char* key) {
  const auto* x = v.as_object().if_contains(key);
  INFO("key " << key << " in " << json::serialize(v));
  REQUIRE(x != nullptr);
  REQUIRE((x->is_int64() || x->is_uint64()));
  return x->is_int64() ? x->get_int64() : static_cast<int64_t>(x->get_uint64());
}

inline std::string str_at(const json::value& v, const char* key) {
  const auto* x = v.as_object().if_contains(key);
  INFO("key " << key << " in " << json::serialize(v));
  REQUIRE(x != nullptr);
  REQUIRE(x->is_string());
  return std::string{x->get_string()};
}

// The database a test inspects, opened read-only: the engine may be writing it (WAL
// lets a reader in), or may have been killed mid-commit.
inline SQLite::Database open_db(const fs::path& db) {
  SQLite::Database d(db.string(), SQLite::OPEN_READONLY);
  d.setBusyTimeout(5000);
  return d;
}

inline int64_t query_int(const fs::path& db, const std::string& sql) {
  auto d = open_db(db);
  return d.execAndGet(sql).getInt64();
}

// Like query_int, but nullopt while the database or its schema does not exist yet
// (a starting engine) instead of throwing.
inline std::optional<int64_t> try_query_int(const fs::path& db, const std::string& sql) {
  if (!fs::exists(db))
    return std::nullopt;
  try {
    return query_int(db, sql);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

inline std::vector<std::string> query_strings(const fs::path& db, const std::string& sql) {
  auto d = open_db(db);
  SQLite::Statement q(d, sql);
  std::vector<std::string> out;
  while (q.executeStep())
    out.push_back(q.getColumn(0).getString());
  return out;
}

// The counts of a `status --json` result; checks the shape on the way.
struct counts {
  int64_t pending, ready, claimed, completed, failed, blocked, total;
};

inline counts task_counts(const json::value& status) {
  REQUIRE(status.is_object());
  const auto* t = status.as_object().if_contains("tasks");
  REQUIRE(t != nullptr);
  REQUIRE(t->is_object());
  counts c{int_at(*t, "pending"), int_at(*t, "ready"),  int_at(*t, "claimed"),
           int_at(*t, "completed"), int_at(*t, "failed"), int_at(*t, "blocked"),
           int_at(*t, "total")};
  CHECK(c.pending + c.ready + c.claimed + c.completed + c.failed + c.blocked == c.total);
  return c;
}

inline std::string source_path(const std::string& rel) {
  return std::string{SWARM_SOURCE_DIR} + "/" + rel;
}

} // namespace e2e
