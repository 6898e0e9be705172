// Least privilege on the local machine: what the engine writes under .swarm/ is its
// owner's alone whatever the umask (the directory 0700; the database, its WAL and shared
// memory, the lock, the token and the control socket 0600), a database an older version
// left readable is tightened, and the control socket refuses a peer of another user even
// when a loose directory lets one reach it.

#include "tests/e2e/served.hpp"

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace e2e;

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The umask for as long as it lives (this test's process and the swarm it starts).
struct umask_scope {
  explicit umask_scope(mode_t m) : old(::umask(m)) {}
  ~umask_scope() { ::umask(old); }
  mode_t old;
};

} // namespace

TEST_CASE("privacy: .swarm and everything secret in it are the owner's alone whatever "
          "the umask",
          "[e2e][privacy]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  umask_scope open_umask{0};
  served s{dir};
  REQUIRE(e2e::swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  const auto dot = dir / ".swarm";
  CHECK(mode_of(dot) == 0700);
  for (const char* name : {"swarm.db", "swarm.db-wal", "swarm.db-shm", "swarm.db.lock",
                           "token", "control.sock"}) {
    INFO(name);
    CHECK(mode_of(dot / name) == 0600);
  }
  s.proc.signal(SIGINT);
  CHECK(s.proc.wait(30s).exit_code == 0);
}

TEST_CASE("privacy: a database an older version left readable is made private at open",
          "[e2e][privacy]") {
  temp_dir dir;
  write_text(dir / "plan.md", small_plan);
  REQUIRE(e2e::swarm(dir.path(), {"load", "plan.md"}).exit_code == 0);
  const auto db = dir / ".swarm" / "swarm.db";
  REQUIRE(::chmod(db.c_str(), 0644) == 0);
  REQUIRE(e2e::swarm(dir.path(), {"task", "add", "Later"}).exit_code == 0);
  CHECK(mode_of(db) == 0600);
}

TEST_CASE("privacy: the control socket refuses a peer of another user", "[e2e][privacy]") {
  if (::geteuid() != 0 || ::access("/usr/bin/setpriv", X_OK) != 0) {
    WARN("skipped: acting as another user needs root and /usr/bin/setpriv");
    return;
  }
  temp_dir dir;
  served s{dir};
  // What a careless setup could do: the way to the socket, and the socket, open to all.
  for (const auto& p : {dir.path(), dir / ".swarm"}) REQUIRE(::chmod(p.c_str(), 0711) == 0);
  REQUIRE(::chmod((dir / ".swarm" / "control.sock").c_str(), 0666) == 0);
  // A copy of swarm and libswarm the other user can reach (the build tree may not be).
  const auto bin = dir / "bin";
  fs::create_directories(bin);
  const fs::path built{binary()};
  fs::copy_file(built, bin / "swarm");
  for (const auto& e : fs::directory_iterator{built.parent_path()})
    if (e.path().filename().string().rfind("libswarm.so", 0) == 0)
      fs::copy(e.path(), bin / e.path().filename(), fs::copy_options::copy_symlinks);
  REQUIRE(::chmod(bin.c_str(), 0755) == 0);
  process nobody{dir.path(),
                 {"status"},
                 {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  (bin / "swarm").string()},
                 {"SWARM_AGENT_TOKEN=" + std::string(64, '0'), "LD_LIBRARY_PATH=" + bin.string()}};
  auto r = nobody.wait(30s);
  INFO(r);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "serves its owner (uid 0) only; this connection is from uid 65534"));
  // Its owner is served as ever.
  CHECK(e2e::swarm(dir.path(), {"status"}).exit_code == 0);
  s.proc.signal(SIGINT);
  CHECK(s.proc.wait(30s).exit_code == 0);
}
