// The crash-image campaign (scripts/crash-images): while `swarm serve` commits a stream
// of acknowledged requests, the engine is frozen (SIGSTOP) at random instants and its
// database, WAL, shared memory and lock are copied — what a crash at that instant would
// leave on disk — then it runs on (SIGCONT). Every image must open (`swarm status`),
// pass `swarm replay --verify`, and hold every task whose task.add was acknowledged
// before the copy began. Prints one JSON object; exits 1 on any loss, 2 on bad usage.
//
//   swarm_crash_images --swarm PATH [--images 50] [--min-ms 20] [--max-ms 200]
//       [--seed N] [--keep DIR]

#include "tests/campaign/campaign_support.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>

namespace {

using namespace swarm::campaign;

// One line out, one line back, over a control socket connection; false when it broke.
class socket_client {
public:
  explicit socket_client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~socket_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }
  bool ask(const std::string& line, std::string& reply) {
    const std::string out = line + "\n";
    for (size_t sent = 0; sent < out.size();) {
      auto n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    reply.clear();
    char buf[4096];
    for (;;) {
      if (auto nl = pending_.find('\n'); nl != std::string::npos) {
        reply = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        return true;
      }
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      pending_.append(buf, static_cast<size_t>(n));
    }
  }

private:
  int fd_ = -1;
  std::string pending_;
};

// Whether serve's control socket appeared within 20 s (false when serve ended first).
bool wait_for_socket(const fs::path& sock, child& serve) {
  for (int i = 0; i < 2000; ++i) {
    if (fs::exists(sock)) return true;
    if (serve.wait_for(std::chrono::milliseconds{10})) return false;
  }
  return false;
}

// The image's verdict: it opens, replays to the same projections, and holds every
// acknowledged task ("image task N" for N below `acked`).
struct verdict {
  bool opens = false, replays = false;
  int64_t missing = 0;
};

verdict check_image(const std::string& swarm, const fs::path& dir, int64_t acked) {
  verdict v;
  v.opens = child{dir, {swarm, "status", "--json"}}.wait() == 0;
  v.replays = child{dir, {swarm, "replay", "--verify"}}.wait() == 0;
  try {
    SQLite::Database db{(dir / ".swarm" / "swarm.db").string(), SQLite::OPEN_READONLY};
    std::set<int64_t> held;
    SQLite::Statement q{db, "SELECT title FROM tasks WHERE title LIKE 'image task %'"};
    while (q.executeStep()) held.insert(std::stoll(q.getColumn(0).getString().substr(11)));
    for (int64_t n = 0; n < acked; ++n) v.missing += held.count(n) == 0 ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", dir.c_str(), e.what());
    v.missing = acked;
  }
  return v;
}

} // namespace

int main(int argc, char** argv) {
  flags f{argc, argv};
  const auto swarm_arg = f.text("--swarm", "");
  const int images = f.integer("--images", 50);
  const int min_ms = f.integer("--min-ms", 20), max_ms = f.integer("--max-ms", 200);
  const auto seed =
      static_cast<uint32_t>(f.integer("--seed", static_cast<int>(std::random_device{}())));
  const auto keep = f.text("--keep", "");
  if (!f.ok() || swarm_arg.empty() || images < 1 || min_ms < 0 || min_ms > max_ms)
    return usage("swarm_crash_images --swarm PATH [--images N] [--min-ms MS] [--max-ms MS] "
                 "[--seed N] [--keep DIR]",
                 f.problem());
  const auto swarm = fs::absolute(swarm_arg).string();
  scratch_dir dir{keep};
  const auto work = dir.path() / "engine";
  fs::create_directories(work);
  const auto started = std::chrono::steady_clock::now();
  child serve{work, {swarm, "serve", "--listen", "127.0.0.1:0"}};
  const auto dot = work / ".swarm";
  if (!wait_for_socket(dot / "control.sock", serve)) {
    std::fprintf(stderr, "swarm serve did not start (see %s)\n",
                 (work / ".campaign.log").c_str());
    dir.keep();
    return 1;
  }

  // The workload: task.add after task.add on one connection; `acked` counts the
  // acknowledgements received (task N is "image task N").
  std::atomic<int64_t> acked{0};
  std::atomic<bool> stop{false}, broke{false};
  std::thread writer{[&] {
    socket_client c{(dot / "control.sock").string()};
    if (!c.connected()) {
      broke = true;
      return;
    }
    std::string reply;
    for (int64_t n = 0; !stop; ++n) {
      const auto line = R"({"id":)" + std::to_string(n) +
                        R"(,"op":"task.add","args":{"title":"image task )" +
                        std::to_string(n) + R"("}})";
      if (!c.ask(line, reply) || reply.find(R"("ok":true)") == std::string::npos) {
        broke = true;
        return;
      }
      acked = n + 1;
    }
  }};

  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> delay{min_ms, max_ms};
  std::vector<int64_t> acked_before;
  for (int i = 0; i < images && !broke; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{delay(rng)});
    serve.kill(SIGSTOP); // the instant of the "crash"
    const int64_t a = acked.load();
    const auto image = dir.path() / ("image-" + std::to_string(i)) / ".swarm";
    fs::create_directories(image);
    for (const char* name : {"swarm.db", "swarm.db-wal", "swarm.db-shm", "swarm.db.lock"}) {
      std::error_code ec;
      if (fs::exists(dot / name)) fs::copy_file(dot / name, image / name, ec);
    }
    serve.kill(SIGCONT);
    acked_before.push_back(a);
  }
  stop = true;
  writer.join();
  serve.kill(SIGTERM);
  serve.wait();

  int opened = 0, replayed = 0, complete = 0;
  int64_t missing = 0;
  for (size_t i = 0; i < acked_before.size(); ++i) {
    const auto v = check_image(swarm, dir.path() / ("image-" + std::to_string(i)),
                               acked_before[i]);
    opened += v.opens ? 1 : 0;
    replayed += v.replays ? 1 : 0;
    complete += v.missing == 0 ? 1 : 0;
    missing += v.missing;
  }
  const int taken = static_cast<int>(acked_before.size());
  const bool ok = !broke && taken == images && opened == taken && replayed == taken &&
                  complete == taken;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"campaign\":\"crash-images\",\"images\":%d,\"seed\":%u,\"acknowledged\":%lld,"
              "\"opened\":%d,\"replay_verified\":%d,\"complete\":%d,\"missing_acks\":%lld,"
              "\"workload_broke\":%s,\"seconds\":%.1f,\"ok\":%s}\n",
              taken, seed, static_cast<long long>(acked.load()), opened, replayed, complete,
              static_cast<long long>(missing), broke ? "true" : "false", seconds,
              ok ? "true" : "false");
  if (!ok) dir.keep();
  return ok ? 0 : 1;
}
