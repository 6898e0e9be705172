// The mailbox's rules: ack rules by category, per-recipient state and who may change
// it, bcc privacy, replies, broadcast, inbox filters, and bad input refused with
// nothing stored; over a real database, with the changes not committed yet overlaid.

#include "actors/mail_router/mailbox.hpp"
#include "persistence/database.hpp"
#include "persistence/journal.hpp"
#include "persistence/reader.hpp"
#include "src/time_units.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <cstdint>

using namespace swarm;

namespace {

using names = std::vector<std::string>;
const std::set<std::string> agents{"alice", "bob", "carol", "dave"};

// A mailbox over a real database, written as the router writes it: each change is
// journaled (append and projections, one transaction) as write `seq`, and the mailbox is
// told it committed. With `defer`, writes wait in `held` until commit() (a commit not yet
// answered); the mailbox must show them all the same.
struct post_office {
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<mailbox> box;
  uint64_t next_write = 1;
  bool defer = false;
  std::vector<std::pair<uint64_t, persistence::event>> held;

  post_office() {
    auto opened = persistence::open_database(dir.file("swarm.db"), persistence::sync_mode::normal);
    REQUIRE(opened);
    db = std::move(*opened);
    reopen();
  }
  // A new mailbox on the database, as an engine opening it makes one.
  void reopen() {
    auto rows = persistence::mail_rows::open(dir.file("swarm.db"));
    REQUIRE(rows);
    auto roster = persistence::read_mail_roster(*db);
    auto followers = persistence::read_mail_followers(*db);
    REQUIRE(roster);
    REQUIRE(followers);
    auto opened = mailbox::open(std::move(*rows), *roster, *followers);
    REQUIRE(opened);
    box = std::move(*opened);
  }
  mailbox* operator->() const { return box.get(); }

  void write(uint64_t seq, persistence::event e) {
    held.emplace_back(seq, std::move(e));
    if (!defer) commit();
  }
  // Commits the held writes (the oldest `n` of them; all by default) in order.
  void commit(size_t n = SIZE_MAX) {
    persistence::journal j{*db};
    size_t done = 0;
    for (; done < held.size() && done < n; ++done) {
      SQLite::Transaction tx{*db};
      j.append(held[done].second);
      tx.commit();
      box->committed(held[done].first);
    }
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(done));
  }

  std::vector<std::string> store(const mail_message& m,
                                 const std::set<std::string>& registered = {}) {
    const uint64_t seq = next_write++;
    auto joined = box->store(m, seq, registered);
    write(seq, mail_sent_event(m, joined));
    return joined;
  }
  expected<mail_copy> mark(const std::string& agent, const std::string& id, bool ack,
                           int64_t now, bool& changed) {
    const uint64_t seq = next_write;
    auto c = box->mark(agent, id, ack, now, seq, changed);
    if (c && changed) {
      ++next_write;
      write(seq, mail_marked_event(id, agent, ack, now));
    }
    return c;
  }
  uint64_t stored() const {
    return static_cast<uint64_t>(
        db->execAndGet("SELECT count(*) FROM messages").getInt64());
  }
};

mail_draft draft(std::string from, names to, std::string subject = "Hello") {
  mail_draft d;
  d.from = std::move(from);
  d.to = std::move(to);
  d.subject = std::move(subject);
  d.body = "Body text";
  return d;
}

mail_message send(post_office& box, mail_draft d, int64_t now = 1'000,
                  const std::set<std::string>& registered = agents) {
  auto m = box->prepare(std::move(d), registered, now);
  INFO((m ? std::string() : m.error().to_string()));
  REQUIRE(m);
  box.store(*m, registered);
  return *m;
}

mail_draft broadcast_from(std::string from, std::string subject = "Intent") {
  auto d = draft(std::move(from), {}, std::move(subject));
  d.broadcast = true;
  return d;
}

std::vector<std::string> subjects(const std::vector<mail_copy>& copies) {
  std::vector<std::string> out;
  for (const auto& c : copies)
    out.push_back(c.m.subject);
  return out;
}

error refused(post_office& box, mail_draft d) {
  const uint64_t before = box->next_number();
  auto m = box->prepare(std::move(d), agents, 1'000);
  REQUIRE_FALSE(m);
  CHECK(box->next_number() == before);
  CHECK(box->uncommitted() == 0);
  return m.error();
}

mail_copy mark(post_office& box, const std::string& agent, const std::string& id, bool ack,
               int64_t now, bool* changed_out = nullptr) {
  bool changed = false;
  auto c = box.mark(agent, id, ack, now, changed);
  INFO((c ? std::string() : c.error().to_string()));
  REQUIRE(c);
  if (changed_out) *changed_out = changed;
  return *c;
}

std::vector<mail_copy> inbox(const post_office& box, const std::string& agent,
                             inbox_filter f = {}) {
  auto r = box->inbox(agent, f);
  INFO((r ? std::string() : r.error().to_string()));
  REQUIRE(r);
  return *r;
}

std::vector<mail_copy> unacked(const post_office& box, int64_t before) {
  auto r = box->unacked_before(before);
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_CASE("mail: HANDOFF and BLOCKED require an ack, DECISION and INFO do not",
          "[mail]") {
  post_office box;
  for (auto [category, needs] : std::vector<std::pair<std::string, bool>>{
           {"HANDOFF", true}, {"blocked", true}, {"DECISION", false}, {"INFO", false}}) {
    auto d = draft("alice", {"bob"});
    d.category = *parse_mail_category(category);
    auto m = send(box, d);
    CHECK(m.ack_required == needs);
    CHECK(std::string{to_string(m.category)}.size() >= 4); // upper-cased
  }
  auto asked = draft("alice", {"bob"});
  asked.ack_required = true;
  CHECK(send(box, asked).ack_required);
  CHECK_FALSE(parse_mail_category("RESUME"));
}

TEST_CASE("mail: unread -> read -> acked, first write wins, ack also reads", "[mail]") {
  post_office box;
  auto m = send(box, draft("alice", {"bob", "carol"}));
  CHECK(m.id == "msg-1");
  CHECK(m.thread == "msg-1");
  CHECK(inbox(box, "bob").at(0).state == copy_state::unread);

  bool changed = false;
  auto r = mark(box, "bob", m.id, false, 2'000, &changed);
  CHECK(changed);
  CHECK(r.state == copy_state::read);
  CHECK(to_us(r.read) == 2'000);
  r = mark(box, "bob", m.id, false, 3'000, &changed);
  CHECK_FALSE(changed);
  CHECK(to_us(r.read) == 2'000); // the first read counts
  r = mark(box, "bob", m.id, true, 4'000, &changed);
  CHECK(changed);
  CHECK(r.state == copy_state::acked);
  CHECK(to_us(r.read) == 2'000);
  CHECK(to_us(r.acked) == 4'000);
  r = mark(box, "bob", m.id, true, 5'000, &changed);
  CHECK_FALSE(changed);
  CHECK(to_us(r.acked) == 4'000);
  r = mark(box, "bob", m.id, false, 6'000, &changed); // reading after an ack: no change
  CHECK(r.state == copy_state::acked);

  // An ack on an unread copy reads it at the same moment.
  auto c = mark(box, "carol", m.id, true, 7'000);
  CHECK(c.state == copy_state::acked);
  CHECK(to_us(c.read) == 7'000);
  CHECK(to_us(c.acked) == 7'000);
}

TEST_CASE("mail: only a recipient may read or ack its copy", "[mail]") {
  post_office box;
  auto m = send(box, draft("alice", {"bob"}));
  for (const char* who : {"alice", "carol", "mallory"}) {
    bool changed = false;
    auto r = box.mark(who, m.id, true, 2'000, changed);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains("only a recipient"));
  }
  bool changed = false;
  auto missing = box.mark("bob", "msg-99", false, 2'000, changed);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::not_found);
  CHECK(inbox(box, "bob").at(0).state == copy_state::unread);
}

TEST_CASE("mail: nobody but the sender sees bcc recipients", "[mail]") {
  post_office box;
  auto d = draft("alice", {"bob"});
  d.cc = {"carol"};
  d.bcc = {"dave", "bob"}; // bob is already in to: one copy
  auto m = send(box, d);
  CHECK(m.bcc == names{"dave"});
  CHECK(inbox(box, "bob").size() == 1);
  CHECK(inbox(box, "dave").size() == 1);
  for (const char* viewer : {"bob", "carol", "dave"}) {
    CHECK(inbox(box, viewer).at(0).m.bcc.empty());
    CHECK(box->thread(m.id, viewer)->at(0).bcc.empty());
  }
  CHECK(box->thread(m.id)->at(0).bcc.empty()); // no viewer: hidden
  CHECK(box->thread(m.id, "alice")->at(0).bcc == names{"dave"});
  CHECK(box->view(m, "alice").bcc == names{"dave"});
}

TEST_CASE("mail: replies stay in the thread, say Re: once and inherit importance and ack",
          "[mail]") {
  post_office box;
  auto d = draft("alice", {"bob"}, "Schema change");
  d.importance = mail_importance::urgent;
  d.category = mail_category::blocked;
  auto first = send(box, d);
  auto r1 = box->reply_draft(first.id, "bob", "Looking");
  REQUIRE(r1);
  CHECK(r1->to == names{"alice"});
  CHECK(r1->subject == "Re: Schema change");
  CHECK(r1->importance == mail_importance::urgent);
  CHECK(r1->ack_required);
  auto second = send(box, *r1, 2'000);
  CHECK(second.thread == first.id);
  CHECK(second.in_reply_to == first.id);
  auto r2 = box->reply_draft(second.id, "alice", "Thanks");
  REQUIRE(r2);
  CHECK(r2->subject == "Re: Schema change"); // not "Re: Re:"
  auto third = send(box, *r2, 3'000);
  CHECK(third.thread == first.id);

  auto t = box->thread(third.id);
  REQUIRE(t);
  CHECK(t->size() == 3);
  CHECK(t->at(0).id == first.id);
  CHECK(t->at(2).id == third.id);

  auto outsider = box->reply_draft(first.id, "carol", "Me too");
  REQUIRE_FALSE(outsider);
  CHECK(outsider.error().code == errc::refused);

  // A message naming an explicit thread joins it.
  auto joined = draft("carol", {"alice"});
  joined.thread = first.id;
  CHECK(send(box, joined, 4'000).thread == first.id);
  CHECK(box->thread(first.id)->size() == 4);
}

TEST_CASE("mail: a broadcast reaches every registered agent but the sender", "[mail]") {
  post_office box;
  auto d = broadcast_from("alice");
  auto m = send(box, d);
  // Held once: no list of names, the roster's first four.
  CHECK(m.to.empty());
  CHECK(m.audience == 4);
  for (const char* who : {"bob", "carol", "dave"}) {
    CHECK(box->reaches(m, who));
    REQUIRE(inbox(box, who).size() == 1);
    CHECK(inbox(box, who)[0].state == copy_state::unread);
  }
  CHECK_FALSE(box->reaches(m, "alice"));
  CHECK(inbox(box, "alice").empty());
  d.to = {"bob"};
  CHECK(refused(box, d).code == errc::bad_request);
  // Nobody else to reach.
  CHECK(box->prepare(broadcast_from("alice"), {"alice"}, 1'000).error().code == errc::refused);
}

TEST_CASE("mail: a broadcast reaches the agents registered when it was sent, not later ones",
          "[mail]") {
  post_office box;
  const std::set<std::string> three{"alice", "bob", "carol"};
  auto before = send(box, broadcast_from("alice", "before erin"), 1'000, three);
  auto first_joined = box.store(
      *box->prepare(draft("bob", {"carol"}, "direct"), three, 1'500), three);
  CHECK(first_joined.empty()); // a message to names enrolls nobody
  std::set<std::string> four = three;
  four.insert("erin");
  auto m = box->prepare(broadcast_from("carol", "after erin"), four, 2'000);
  REQUIRE(m);
  CHECK(m->audience == 4);
  CHECK(box.store(*m, four) == names{"erin"}); // the name the event records
  CHECK(subjects(inbox(box, "erin")) == names{"after erin"});
  CHECK(subjects(inbox(box, "bob")) == names{"after erin", "before erin"});
  // Newest first, the held copies and the broadcasts merged.
  CHECK(subjects(inbox(box, "carol")) == names{"direct", "before erin"});
  CHECK_FALSE(box->reaches(before, "erin"));
  // Only a recipient may read one; reading holds the copy, once.
  bool changed = false;
  CHECK(box.mark("erin", before.id, false, 3'000, changed).error().code == errc::refused);
  mark(box, "erin", m->id, false, 3'000, &changed);
  CHECK(changed);
  mark(box, "erin", m->id, false, 4'000, &changed);
  CHECK_FALSE(changed);
  REQUIRE(inbox(box, "erin").size() == 1);
  CHECK(inbox(box, "erin")[0].state == copy_state::read);
  inbox_filter unread;
  unread.state = copy_state::unread;
  CHECK(subjects(inbox(box, "bob", unread)) == names{"after erin", "before erin"});
  CHECK(inbox(box, "erin", unread).empty());
}

TEST_CASE("mail: a thousand agents' broadcasts are held once each", "[mail]") {
  post_office box;
  std::set<std::string> many;
  for (int i = 0; i < 1000; ++i)
    many.insert("agent-" + std::to_string(1000 + i));
  for (int i = 0; i < 200; ++i)
    send(box, broadcast_from("agent-" + std::to_string(1000 + i % 1000)), 1'000 + i, many);
  CHECK(box.stored() == 200);
  inbox_filter f;
  f.limit = 1000;
  CHECK(inbox(box, "agent-1999", f).size() == 200);
  CHECK(inbox(box, "agent-1000", f).size() == 199); // not its own
  // An ack-needing broadcast is due from every recipient until each acks.
  auto d = broadcast_from("agent-1000", "Freeze");
  d.category = mail_category::handoff;
  auto freeze = send(box, d, 5'000, many);
  CHECK(unacked(box, 6'000).size() == 999);
  mark(box, "agent-1001", freeze.id, true, 5'500);
  CHECK(unacked(box, 6'000).size() == 998);
}

TEST_CASE("mail: inbox filters, newest first, limit checked", "[mail]") {
  post_office box;
  for (int i = 0; i < 5; ++i) {
    auto d = draft("alice", {"bob"}, "n" + std::to_string(i));
    d.importance = i % 2 ? mail_importance::urgent : mail_importance::normal;
    d.type = i < 3 ? "task.progress" : "info.discovery";
    send(box, d, 1'000 * (i + 1));
  }
  auto all = inbox(box, "bob");
  REQUIRE(all.size() == 5);
  CHECK(all.front().m.subject == "n4");
  mark(box, "bob", "msg-2", false, 9'000);
  inbox_filter f;
  f.state = copy_state::unread;
  CHECK(inbox(box, "bob", f).size() == 4);
  f = {};
  f.urgent_only = true;
  CHECK(inbox(box, "bob", f).size() == 2);
  f = {};
  f.since = from_us(3'000);
  CHECK(inbox(box, "bob", f).size() == 3);
  f = {};
  f.type = "info.discovery";
  CHECK(inbox(box, "bob", f).size() == 2);
  f = {};
  f.limit = 2;
  CHECK(inbox(box, "bob", f).size() == 2);
  f.limit = 0;
  CHECK(box->inbox("bob", f).error().code == errc::bad_request);
  f.limit = 1001;
  CHECK(box->inbox("bob", f).error().code == errc::bad_request);
  CHECK_FALSE(parse_copy_state("deleted"));
}

TEST_CASE("mail: bad input is refused with the reason and nothing is stored", "[mail]") {
  post_office box;
  auto unknown = refused(box, draft("alice", {"bob", "zed"}));
  CHECK(unknown.code == errc::not_found);
  CHECK_THAT(unknown.message, Catch::Contains("'zed'"));
  CHECK(inbox(box, "bob").empty()); // not even the known recipient got it
  CHECK(refused(box, draft("zed", {"bob"})).code == errc::not_found);
  CHECK(refused(box, draft("alice", {"bob"}, "  ")).code == errc::bad_request);
  CHECK(refused(box, draft("alice", {"bob"}, "two\nlines")).code == errc::bad_request);
  CHECK(refused(box, draft("alice", {})).code == errc::bad_request);
  auto big = draft("alice", {"bob"});
  big.body.assign(box->limits().body_bytes + 1, 'x');
  auto too_big = refused(box, big);
  CHECK(too_big.code == errc::refused);
  CHECK_THAT(too_big.message, Catch::Contains(std::to_string(box->limits().body_bytes)));
  auto long_subject = refused(box, draft("alice", {"bob"}, std::string(201, 's')));
  CHECK(long_subject.code == errc::refused);
  auto typed = draft("alice", {"bob"});
  typed.type = "task.gossip";
  CHECK(refused(box, typed).code == errc::bad_request);
  auto payload = draft("alice", {"bob"});
  payload.payload = "[1,2]";
  CHECK(refused(box, payload).code == errc::bad_request);
  payload.payload = R"({"files": ["src/a.cpp"]})";
  CHECK(send(box, payload).payload == R"({"files": ["src/a.cpp"]})");
  CHECK_FALSE(parse_mail_importance("critical"));
}

TEST_CASE("mail: unacknowledged copies older than a time", "[mail]") {
  post_office box;
  auto d = draft("alice", {"bob", "carol"});
  d.category = mail_category::handoff;
  auto old = send(box, d, 1'000);
  send(box, d, 5'000);
  send(box, draft("alice", {"bob"}), 1'500); // no ack needed
  mark(box, "carol", old.id, true, 2'000);
  auto due = unacked(box, 3'000);
  REQUIRE(due.size() == 1);
  CHECK(due[0].recipient == "bob");
  CHECK(due[0].m.id == old.id);
  CHECK(unacked(box, 6'000).size() == 3);
}

TEST_CASE("mail: a mailbox opened again reads messages, states and the next id back",
          "[mail]") {
  post_office box;
  auto a = send(box, draft("alice", {"bob"}));
  send(box, draft("bob", {"alice"}));
  mark(box, "bob", a.id, true, 2'000);
  auto c = send(box, broadcast_from("carol"));
  mark(box, "dave", c.id, false, 2'500);
  box.reopen();
  auto copy = inbox(box, "bob").at(1);
  CHECK(copy.state == copy_state::acked);
  CHECK(to_us(copy.read) == 2'000);
  CHECK(inbox(box, "dave").at(0).state == copy_state::read);
  CHECK(inbox(box, "bob").at(0).m.id == c.id);
  CHECK(inbox(box, "bob").at(0).state == copy_state::unread);
  CHECK(send(box, draft("carol", {"dave"})).id == "msg-4");
}

TEST_CASE("mail: a broadcast stored before the roster keeps its list of recipients",
          "[mail]") {
  // As schema 10 stored it: every recipient named, audience 0.
  mail_message old;
  old.id = "msg-1";
  old.from = "alice";
  old.to = {"bob", "carol"};
  old.broadcast = true;
  old.thread = "msg-1";
  old.subject = "Old news";
  old.created = from_us(1'000);
  post_office box;
  box.store(old);
  box.reopen();
  CHECK(box->reaches(old, "bob"));
  CHECK_FALSE(box->reaches(old, "dave")); // not registered then
  CHECK(inbox(box, "carol").size() == 1);
  CHECK(inbox(box, "dave").empty());
  mark(box, "bob", old.id, false, 2'000);
  // A new broadcast is stored once, beside it.
  auto now = send(box, broadcast_from("dave"), 3'000);
  CHECK(now.audience == 4);
  CHECK(subjects(inbox(box, "bob")) == names{"Intent", "Old news"});
}

TEST_CASE("mail: what is not committed yet is shown as it will be and only once", "[mail]") {
  post_office box;
  auto first = send(box, draft("alice", {"bob"}, "committed"), 1'000);
  box.defer = true;
  auto d = draft("alice", {"bob", "carol"}, "in flight");
  d.category = mail_category::handoff;
  auto flying = send(box, d, 2'000);
  auto cast = send(box, broadcast_from("dave", "cast"), 3'000);
  mark(box, "bob", first.id, false, 3'500); // a committed message, its read in flight
  mark(box, "carol", flying.id, true, 3'600);
  REQUIRE(box.stored() == 1);
  CHECK(box->uncommitted() == 4); // two messages, a read and an ack

  // Every view, at each step of the commits and after a reopen, is the same.
  auto check = [&] {
    CHECK(subjects(inbox(box, "bob")) == names{"cast", "in flight", "committed"});
    inbox_filter unread;
    unread.state = copy_state::unread;
    CHECK(subjects(inbox(box, "bob", unread)) == names{"cast", "in flight"});
    inbox_filter read;
    read.state = copy_state::read;
    CHECK(subjects(inbox(box, "bob", read)) == names{"committed"});
    CHECK(inbox(box, "carol").at(1).state == copy_state::acked);
    inbox_filter one;
    one.limit = 1;
    CHECK(subjects(inbox(box, "bob", one)) == names{"cast"});
    auto due = unacked(box, 10'000);
    REQUIRE(due.size() == 1); // carol acked hers
    CHECK(due[0].recipient == "bob");
    CHECK(due[0].m.id == flying.id);
    auto t = box->thread(flying.id);
    REQUIRE(t);
    REQUIRE(t->size() == 1);
    CHECK(t->at(0).subject == "in flight");
    auto reply = box->reply_draft(flying.id, "bob", "On it");
    REQUIRE(reply);
    CHECK(reply->thread == flying.id);
    bool changed = true;
    auto again = box.mark("carol", flying.id, true, 9'000, changed);
    REQUIRE(again);
    CHECK_FALSE(changed); // the first ack stands
    CHECK(to_us(again->acked) == 3'600);
  };
  check();
  box.commit(2); // the two messages; a read and an ack still in flight
  CHECK(box.stored() == 3);
  check();
  box.commit();
  CHECK(box->uncommitted() == 0);
  check();
  box.reopen();
  check();
  box.defer = false;
  CHECK(send(box, draft("bob", {"alice"})).id == "msg-4");
}

TEST_CASE("mail: a commit SQLite shows before the router hears of it counts once",
          "[mail]") {
  post_office box;
  box.defer = true;
  auto m = send(box, broadcast_from("alice", "early"), 1'000);
  // Committed in SQLite, the mailbox not told yet: both hold it.
  {
    persistence::journal j{*box.db};
    SQLite::Transaction tx{*box.db};
    j.append(box.held.at(0).second);
    tx.commit();
  }
  CHECK(subjects(inbox(box, "bob")) == names{"early"});
  CHECK(box->thread(m.id)->size() == 1);
  box->committed(box.held.at(0).first);
  box.held.clear();
  CHECK(box->uncommitted() == 0);
  CHECK(subjects(inbox(box, "bob")) == names{"early"});
}

TEST_CASE("mail: the engine's own mail goes to followers only", "[mail]") {
  post_office box;
  CHECK_FALSE(box->prepare_system("task.completed", "sw-1 completed", "", "{}", 1'000));
  CHECK(box->follow("alice", true));
  CHECK_FALSE(box->follow("alice", true)); // already
  CHECK(box->follow("bob", true));
  auto m = box->prepare_system("task.failed", "sw-1 failed for good", "boom", "{}", 2'000);
  REQUIRE(m);
  CHECK(m->from == "swarm");
  CHECK(m->to == names{"alice", "bob"});
  CHECK(m->thread == "swarm-events");
  CHECK(m->importance == mail_importance::high);
  CHECK_FALSE(m->ack_required);
  box.store(*m);
  CHECK(inbox(box, "bob").size() == 1);
  CHECK(box->follow("bob", false));
  CHECK(box->prepare_system("task.claimed", "sw-2 claimed", "", "{}", 3'000)->to ==
        names{"alice"});
}
