// lease_book: the hard-lease mechanism behind `swarm lease` and task claims.

#include "actors/lease_book.hpp"
#include "src/time_units.hpp"

#include <catch2/catch.hpp>

using namespace swarm;

TEST_CASE("lease_book: exclusive until expiry, tokens only grow, expired ones listed",
          "[leases]") {
  lease_book b;
  auto a = b.acquire("x", "alice", 100, 0);
  CHECK(a.acquired);
  CHECK(a.l.token == 1);
  CHECK_FALSE(b.acquire("x", "bob", 200, 50).acquired);
  CHECK(b.acquire("x", "alice", 150, 50).l.token == 1); // the holder renews
  CHECK(b.held("x", "alice", 149));
  CHECK_FALSE(b.held("x", "alice", 150));
  CHECK(b.expired(149).empty());
  CHECK(b.expired(150) == std::vector<std::string>{"x"});
  auto bob = b.acquire("x", "bob", 300, 150); // expired: free for the next
  CHECK(bob.acquired);
  CHECK(bob.l.token == 2);
  CHECK(b.acquire("x", "carol", 400, 160, true).l.token == 3); // taken over
  CHECK(b.release("x").holder == "carol");
  CHECK(b.find("x")->holder.empty());
  CHECK(b.find("x")->token == 3);
  CHECK(b.held_count() == 0);
  CHECK(b.acquire("x", "dave", 500, 170).l.token == 4);
  b.extend("x", 900);
  CHECK(b.expired(800).empty());
  b.acquire("y", "erin", 50, 0);
  CHECK(b.holding().size() == 2);
  CHECK(b.holding().front()->name == "y");
  b.release("x");
  b.release("y");
  CHECK(b.held_count() == 0);
  CHECK(b.find("x")->token == 4);
  // A restore never moves a token back.
  b.restore(lease{"x", "", 2, from_us(0), from_us(0)});
  CHECK(b.find("x")->token == 4);
  b.restore(lease{"z", "frank", 9, from_us(0), from_us(1000)});
  CHECK(b.held("z", "frank", 999));
  CHECK(b.acquire("z", "gina", 2000, 1000).l.token == 10);
  // An owner that keeps the last token itself forgets the name and passes it back.
  b.forget("z");
  CHECK(b.find("z") == nullptr);
  CHECK(b.held_count() == 0);
  CHECK(b.acquire("z", "hal", 3000, 2000, false, 10).l.token == 11);
  b.clear();
  CHECK(b.all().empty());
  CHECK(b.held_count() == 0);
}
