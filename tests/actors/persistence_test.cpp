// The persistence actor: group commit, a failing batch rolled back alone, and a commit
// that meets a full disk (a real tmpfs: the suite runs as root, as CI does).
#include "persistence/database.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/caf_error.hpp"
#include "persistence/storage_gate.hpp"
#include "tests/support/db_checks.hpp"
#include "tests/support/small_disk.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>
#include <utility>

using namespace swarm;
using namespace swarm::persistence;

using swarm::test::scalar;

namespace {

constexpr auto timeout = std::chrono::seconds(60);

event created(const std::string& id) {
  task_spec s;
  s.id = id;
  s.title = "task " + id;
  return make_task_created(s, true, now_us());
}

event claimed(const std::string& id) {
  task t;
  t.spec.id = id;
  t.state = task_state::claimed;
  t.attempts = 1;
  t.claimed_by = "alice";
  return make_task_update(event_kind::task_claimed, t, "alice", now_us());
}

using swarm::test::small_disk;

// What a request to the persistence actor came to: its sequence number, or the error.
template <class Handle>
std::pair<int64_t, std::optional<error>> outcome(Handle& handle) {
  std::optional<error> err;
  int64_t seq = 0;
  handle.receive([&](int64_t s) { seq = s; }, [&](caf::error& e) { err = from_caf(e); });
  return {seq, err};
}

} // namespace

TEST_CASE("a commit that meets a full disk waits for room, and its batches are answered "
          "in order once it commits",
          "[actor][persistence][faults]") {
  swarm::test::temp_dir dir;
  small_disk disk{dir.path() / ".swarm", 16};
  auto path = dir.file(".swarm/swarm.db");
  auto db = open_database(path, sync_mode::normal);
  REQUIRE(db);
  // No reserve: only the held commit shuts the gate.
  auto gate = std::make_shared<storage_gate>(path, 0);
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto persist = spawn_persistence(
    sys, persistence_config{std::shared_ptr<SQLite::Database>(std::move(*db)), path, false,
                            nullptr, gate});
  {
    caf::scoped_actor self{sys};
    auto first = self->request(persist, timeout, append_atom_v, event_batch{{created("a")}});
    auto [first_seq, first_err] = outcome(first);
    REQUIRE_FALSE(first_err);
    CHECK_FALSE(gate->refusal());

    disk.fill(256 << 10); // 256 KiB left
    // Several MB of journal and projection: it cannot fit.
    event_batch big;
    for (int i = 0; i < 20000; ++i)
      big.events.push_back(created("big-" + std::to_string(i)));
    auto big_req = self->request(persist, timeout, append_atom_v, std::move(big));
    auto small_req = self->request(persist, timeout, append_atom_v, event_batch{{created("b")}});

    // The gate shuts once the commit met the full disk; every write is refused with it.
    std::optional<error> shut;
    for (int i = 0; i < 600 && !shut; ++i) {
      shut = gate->refusal();
      if (!shut) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(shut);
    CHECK(shut->code == errc::storage_error);
    CHECK(shut->message.find("no room to write") != std::string::npos);
    // Nothing is answered meanwhile: a barrier behind the held batches does not return.
    std::optional<error> barrier_err;
    self->request(persist, std::chrono::milliseconds(600), sync_atom_v)
      .receive([](int64_t) {}, [&](caf::error& e) { barrier_err = from_caf(e); });
    REQUIRE(barrier_err);
    CHECK(barrier_err->code == errc::timeout);
    CHECK(scalar(path, "SELECT count(*) FROM tasks") == 1); // reads go on

    disk.free_again();
    auto [big_seq, big_err] = outcome(big_req);
    auto [small_seq, small_err] = outcome(small_req);
    CHECK_FALSE(big_err);
    CHECK_FALSE(small_err);
    CHECK(big_seq > first_seq);
    CHECK(small_seq == big_seq + 1); // in the order sent
    CHECK_FALSE(gate->refusal());    // open again
    int64_t synced = 0;
    self->request(persist, timeout, sync_atom_v)
      .receive([&](int64_t s) { synced = s; }, [](caf::error&) {});
    CHECK(synced == small_seq);
    self->send_exit(persist, caf::exit_reason::user_shutdown);
  }
  persist = nullptr;
  CHECK(scalar(path, "SELECT count(*) FROM tasks") == 20002);
  CHECK(scalar(path, "SELECT count(*) FROM events") == 20002);
}

TEST_CASE("a batch that fails to apply is rolled back alone, its neighbours commit",
          "[actor][persistence]") {
  swarm::test::temp_dir dir;
  auto path = dir.file(".swarm/swarm.db");
  auto db = open_database(path, sync_mode::normal);
  REQUIRE(db);
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto persist = spawn_persistence(
    sys, persistence_config{std::shared_ptr<SQLite::Database>(std::move(*db)), path});
  {
    caf::scoped_actor self{sys};
    auto counters = [&] {
      int64_t commits = 0;
      self->request(persist, timeout, counters_atom_v)
        .receive([&](int64_t c, int64_t, int64_t) { commits = c; }, [](caf::error&) {});
      return commits;
    };
    auto before = counters();
    // A big first batch keeps the writer busy while the next three queue up behind
    // it, so they share a transaction.
    event_batch big;
    for (int i = 0; i < 20000; ++i)
      big.events.push_back(created("big-" + std::to_string(i)));
    auto big_req = self->request(persist, timeout, append_atom_v, std::move(big));
    auto good1 = self->request(persist, timeout, append_atom_v,
                               event_batch{{created("x"), claimed("x")}});
    // Claims a task that does not exist: the projection refuses it.
    auto bad = self->request(persist, timeout, append_atom_v,
                             event_batch{{created("y"), claimed("missing")}});
    auto good2 = self->request(persist, timeout, append_atom_v, event_batch{{created("z")}});

    auto [big_seq, big_err] = outcome(big_req);
    auto [seq1, err1] = outcome(good1);
    auto [seq_bad, err_bad] = outcome(bad);
    auto [seq2, err2] = outcome(good2);
    CHECK_FALSE(big_err);
    CHECK_FALSE(err1);
    CHECK_FALSE(err2);
    REQUIRE(err_bad);
    CHECK(err_bad->code == errc::storage_error);
    CHECK(err_bad->message.find("missing") != std::string::npos);
    CHECK(seq1 > big_seq);
    CHECK(seq2 > seq1);
    // At most two transactions (the big batch, then the rest; or all four at once):
    // the failing batch shared its transaction with good ones, which were retried
    // with a savepoint per batch after the failure.
    CHECK(counters() - before <= 2);

    self->send_exit(persist, caf::exit_reason::user_shutdown);
  }
  persist = nullptr;
  // Nothing of the failed batch is in the journal or the projection, not even its
  // valid first event; everything else is.
  CHECK(scalar(path, "SELECT count(*) FROM tasks WHERE id IN ('x', 'z')") == 2);
  CHECK(scalar(path, "SELECT count(*) FROM tasks WHERE id = 'y'") == 0);
  CHECK(scalar(path, "SELECT count(*) FROM events WHERE body LIKE '%\"y\"%'") == 0);
  CHECK(scalar(path, "SELECT count(*) FROM events WHERE kind = 'task.claimed'") == 1);
  CHECK(scalar(path, "SELECT count(*) FROM tasks WHERE id = 'x' AND state = 'claimed'") ==
        1);
}
