// The mailbox's rules: ack rules by category, per-recipient state and who may change
// it, bcc privacy, replies, broadcast, inbox filters, and bad input refused with
// nothing stored.

#include "actors/mail_router/mailbox.hpp"
#include "src/time_units.hpp"

#include <catch2/catch.hpp>

using namespace swarm;

namespace {

using names = std::vector<std::string>;
const std::set<std::string> agents{"alice", "bob", "carol", "dave"};

mail_draft draft(std::string from, names to, std::string subject = "Hello") {
  mail_draft d;
  d.from = std::move(from);
  d.to = std::move(to);
  d.subject = std::move(subject);
  d.body = "Body text";
  return d;
}

mail_message send(mailbox& box, mail_draft d, int64_t now = 1'000,
                  const std::set<std::string>& registered = agents) {
  auto m = box.prepare(std::move(d), registered, now);
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

error refused(mailbox& box, mail_draft d) {
  const size_t before = box.size();
  auto m = box.prepare(std::move(d), agents, 1'000);
  REQUIRE_FALSE(m);
  CHECK(box.size() == before);
  return m.error();
}

mail_copy mark(mailbox& box, const std::string& agent, const std::string& id, bool ack,
               int64_t now, bool* changed_out = nullptr) {
  bool changed = false;
  auto c = box.mark(agent, id, ack, now, changed);
  INFO((c ? std::string() : c.error().to_string()));
  REQUIRE(c);
  if (changed_out) *changed_out = changed;
  return *c;
}

std::vector<mail_copy> inbox(const mailbox& box, const std::string& agent,
                             inbox_filter f = {}) {
  auto r = box.inbox(agent, f);
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_CASE("mail: HANDOFF and BLOCKED require an ack, DECISION and INFO do not",
          "[mail]") {
  mailbox box;
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
  mailbox box;
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
  mailbox box;
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
  mailbox box;
  auto d = draft("alice", {"bob"});
  d.cc = {"carol"};
  d.bcc = {"dave", "bob"}; // bob is already in to: one copy
  auto m = send(box, d);
  CHECK(m.bcc == names{"dave"});
  CHECK(inbox(box, "bob").size() == 1);
  CHECK(inbox(box, "dave").size() == 1);
  for (const char* viewer : {"bob", "carol", "dave"}) {
    CHECK(inbox(box, viewer).at(0).m.bcc.empty());
    CHECK(box.thread(m.id, viewer)->at(0).bcc.empty());
  }
  CHECK(box.thread(m.id)->at(0).bcc.empty()); // no viewer: hidden
  CHECK(box.thread(m.id, "alice")->at(0).bcc == names{"dave"});
  CHECK(box.view(m, "alice").bcc == names{"dave"});
}

TEST_CASE("mail: replies stay in the thread, say Re: once and inherit importance and ack",
          "[mail]") {
  mailbox box;
  auto d = draft("alice", {"bob"}, "Schema change");
  d.importance = mail_importance::urgent;
  d.category = mail_category::blocked;
  auto first = send(box, d);
  auto r1 = box.reply_draft(first.id, "bob", "Looking");
  REQUIRE(r1);
  CHECK(r1->to == names{"alice"});
  CHECK(r1->subject == "Re: Schema change");
  CHECK(r1->importance == mail_importance::urgent);
  CHECK(r1->ack_required);
  auto second = send(box, *r1, 2'000);
  CHECK(second.thread == first.id);
  CHECK(second.in_reply_to == first.id);
  auto r2 = box.reply_draft(second.id, "alice", "Thanks");
  REQUIRE(r2);
  CHECK(r2->subject == "Re: Schema change"); // not "Re: Re:"
  auto third = send(box, *r2, 3'000);
  CHECK(third.thread == first.id);

  auto t = box.thread(third.id);
  REQUIRE(t);
  CHECK(t->size() == 3);
  CHECK(t->at(0).id == first.id);
  CHECK(t->at(2).id == third.id);

  auto outsider = box.reply_draft(first.id, "carol", "Me too");
  REQUIRE_FALSE(outsider);
  CHECK(outsider.error().code == errc::refused);

  // A message naming an explicit thread joins it.
  auto joined = draft("carol", {"alice"});
  joined.thread = first.id;
  CHECK(send(box, joined, 4'000).thread == first.id);
  CHECK(box.thread(first.id)->size() == 4);
}

TEST_CASE("mail: a broadcast reaches every registered agent but the sender", "[mail]") {
  mailbox box;
  auto d = broadcast_from("alice");
  auto m = send(box, d);
  // Held once: no list of names, the roster's first four.
  CHECK(m.to.empty());
  CHECK(m.audience == 4);
  for (const char* who : {"bob", "carol", "dave"}) {
    CHECK(box.reaches(m, who));
    REQUIRE(inbox(box, who).size() == 1);
    CHECK(inbox(box, who)[0].state == copy_state::unread);
  }
  CHECK_FALSE(box.reaches(m, "alice"));
  CHECK(inbox(box, "alice").empty());
  d.to = {"bob"};
  CHECK(refused(box, d).code == errc::bad_request);
  // Nobody else to reach.
  CHECK(box.prepare(broadcast_from("alice"), {"alice"}, 1'000).error().code == errc::refused);
}

TEST_CASE("mail: a broadcast reaches the agents registered when it was sent, not later ones",
          "[mail]") {
  mailbox box;
  const std::set<std::string> three{"alice", "bob", "carol"};
  auto before = send(box, broadcast_from("alice", "before erin"), 1'000, three);
  auto first_joined = box.store(
      *box.prepare(draft("bob", {"carol"}, "direct"), three, 1'500), three);
  CHECK(first_joined.empty()); // a message to names enrolls nobody
  std::set<std::string> four = three;
  four.insert("erin");
  auto m = box.prepare(broadcast_from("carol", "after erin"), four, 2'000);
  REQUIRE(m);
  CHECK(m->audience == 4);
  CHECK(box.store(*m, four) == names{"erin"}); // the name the event records
  CHECK(subjects(inbox(box, "erin")) == names{"after erin"});
  CHECK(subjects(inbox(box, "bob")) == names{"after erin", "before erin"});
  // Newest first, the held copies and the broadcasts merged.
  CHECK(subjects(inbox(box, "carol")) == names{"direct", "before erin"});
  CHECK_FALSE(box.reaches(before, "erin"));
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
  mailbox box;
  std::set<std::string> many;
  for (int i = 0; i < 1000; ++i)
    many.insert("agent-" + std::to_string(1000 + i));
  for (int i = 0; i < 200; ++i)
    send(box, broadcast_from("agent-" + std::to_string(1000 + i % 1000)), 1'000 + i, many);
  CHECK(box.size() == 200);
  inbox_filter f;
  f.limit = 1000;
  CHECK(inbox(box, "agent-1999", f).size() == 200);
  CHECK(inbox(box, "agent-1000", f).size() == 199); // not its own
  // An ack-needing broadcast is due from every recipient until each acks.
  auto d = broadcast_from("agent-1000", "Freeze");
  d.category = mail_category::handoff;
  auto freeze = send(box, d, 5'000, many);
  CHECK(box.unacked_before(6'000).size() == 999);
  mark(box, "agent-1001", freeze.id, true, 5'500);
  CHECK(box.unacked_before(6'000).size() == 998);
}

TEST_CASE("mail: inbox filters, newest first, limit checked", "[mail]") {
  mailbox box;
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
  CHECK(box.inbox("bob", f).error().code == errc::bad_request);
  f.limit = 1001;
  CHECK(box.inbox("bob", f).error().code == errc::bad_request);
  CHECK_FALSE(parse_copy_state("deleted"));
}

TEST_CASE("mail: bad input is refused with the reason and nothing is stored", "[mail]") {
  mailbox box;
  auto unknown = refused(box, draft("alice", {"bob", "zed"}));
  CHECK(unknown.code == errc::not_found);
  CHECK_THAT(unknown.message, Catch::Contains("'zed'"));
  CHECK(inbox(box, "bob").empty()); // not even the known recipient got it
  CHECK(refused(box, draft("zed", {"bob"})).code == errc::not_found);
  CHECK(refused(box, draft("alice", {"bob"}, "  ")).code == errc::bad_request);
  CHECK(refused(box, draft("alice", {"bob"}, "two\nlines")).code == errc::bad_request);
  CHECK(refused(box, draft("alice", {})).code == errc::bad_request);
  auto big = draft("alice", {"bob"});
  big.body.assign(box.limits().body_bytes + 1, 'x');
  auto too_big = refused(box, big);
  CHECK(too_big.code == errc::refused);
  CHECK_THAT(too_big.message, Catch::Contains(std::to_string(box.limits().body_bytes)));
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
  mailbox box;
  auto d = draft("alice", {"bob", "carol"});
  d.category = mail_category::handoff;
  auto old = send(box, d, 1'000);
  send(box, d, 5'000);
  send(box, draft("alice", {"bob"}), 1'500); // no ack needed
  mark(box, "carol", old.id, true, 2'000);
  auto due = box.unacked_before(3'000);
  REQUIRE(due.size() == 1);
  CHECK(due[0].recipient == "bob");
  CHECK(due[0].m.id == old.id);
  CHECK(box.unacked_before(6'000).size() == 3);
}

TEST_CASE("mail: restore rebuilds messages, states and the next id", "[mail]") {
  mailbox box;
  auto a = send(box, draft("alice", {"bob"}));
  auto b = send(box, draft("bob", {"alice"}));
  mark(box, "bob", a.id, true, 2'000);
  auto c = send(box, broadcast_from("carol"));
  mark(box, "dave", c.id, false, 2'500);
  mailbox again;
  again.restore_roster({"alice", "bob", "carol", "dave"});
  again.restore({a, b, c});
  REQUIRE(again.restore_copy(a.id, "bob", copy_state::acked, 2'000, 2'000));
  REQUIRE(again.restore_copy(c.id, "dave", copy_state::read, 2'500, 0));
  auto copy = inbox(again, "bob").at(1);
  CHECK(copy.state == copy_state::acked);
  CHECK(to_us(copy.read) == 2'000);
  CHECK(inbox(again, "dave").at(0).state == copy_state::read);
  CHECK(inbox(again, "bob").at(0).m.id == c.id);
  CHECK(inbox(again, "bob").at(0).state == copy_state::unread);
  CHECK(send(again, draft("carol", {"dave"})).id == "msg-4");
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
  mailbox box;
  box.restore({old});
  CHECK(box.reaches(old, "bob"));
  CHECK_FALSE(box.reaches(old, "dave")); // not registered then
  CHECK(inbox(box, "carol").size() == 1);
  CHECK(inbox(box, "dave").empty());
  mark(box, "bob", old.id, false, 2'000);
  // A new broadcast is stored once, beside it.
  auto now = send(box, broadcast_from("dave"), 3'000);
  CHECK(now.audience == 4);
  CHECK(subjects(inbox(box, "bob")) == names{"Intent", "Old news"});
}

TEST_CASE("mail: the engine's own mail goes to followers only", "[mail]") {
  mailbox box;
  CHECK_FALSE(box.prepare_system("task.completed", "sw-1 completed", "", "{}", 1'000));
  CHECK(box.follow("alice", true));
  CHECK_FALSE(box.follow("alice", true)); // already
  CHECK(box.follow("bob", true));
  auto m = box.prepare_system("task.failed", "sw-1 failed for good", "boom", "{}", 2'000);
  REQUIRE(m);
  CHECK(m->from == "swarm");
  CHECK(m->to == names{"alice", "bob"});
  CHECK(m->thread == "swarm-events");
  CHECK(m->importance == mail_importance::high);
  CHECK_FALSE(m->ack_required);
  box.store(*m);
  CHECK(inbox(box, "bob").size() == 1);
  CHECK(box.follow("bob", false));
  CHECK(box.prepare_system("task.claimed", "sw-2 claimed", "", "{}", 3'000)->to ==
        names{"alice"});
}
