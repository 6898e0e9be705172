// The mail audit export: stable file names, JSON front matter, messages in order,
// receipts, and never a bcc.

#include "actors/mail_router/mail_export.hpp"
#include "src/time_units.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace swarm;

namespace {

mail_message message(std::string id, std::string thread, std::string from,
                     std::vector<std::string> to, int64_t at) {
  mail_message m;
  m.id = std::move(id);
  m.thread = std::move(thread);
  m.from = std::move(from);
  m.to = std::move(to);
  m.subject = "About " + m.thread;
  m.body = "Text of " + m.id;
  m.created = from_us(at);
  return m;
}

} // namespace

TEST_CASE("mail export: file names are stable and safe", "[mail][export]") {
  CHECK(thread_file_name("msg-12") == "msg-12.md");
  CHECK(thread_file_name("br-123.v2") == "br-123.v2.md");
  const auto slash = thread_file_name("feature/auth");
  CHECK(slash.rfind("feature_auth-", 0) == 0);
  CHECK(slash != thread_file_name("feature_auth"));
  CHECK(slash == thread_file_name("feature/auth"));
  CHECK(thread_file_name("../x").find('/') == std::string::npos);
  CHECK(thread_file_name("..").front() != '.');
  CHECK(thread_file_name("").size() > 3);
}

// Names already exported must not change: the tag is FNV-1a 32 of the thread id.
TEST_CASE("mail export: renamed threads keep their exact file names", "[mail][export]") {
  CHECK(thread_file_name("feature/auth") == "feature_auth-75698bbc.md");
  CHECK(thread_file_name("") == "t-811c9dc5.md");
  CHECK(thread_file_name("..") == "t..-a3d4a70d.md");
}

TEST_CASE("mail export: one file per thread, front matter, order, receipts, no bcc",
          "[mail][export]") {
  auto a = message("msg-1", "t1", "alice", {"bob"}, 1'700'000'000'000'000);
  a.bcc = {"carol"};
  a.category = mail_category::handoff;
  a.ack_required = true;
  auto b = message("msg-2", "t2", "bob", {"alice"}, 1'700'000'001'000'000);
  auto c = message("msg-3", "t1", "bob", {"alice"}, 1'700'000'002'000'000);
  c.in_reply_to = "msg-1";
  std::vector<persistence::stored_copy> states{
      {"msg-1", "bob", copy_state::acked, 1'700'000'000'500'000, 1'700'000'000'600'000},
      {"msg-1", "carol", copy_state::read, 1'700'000'000'700'000, 0}};
  auto files = render_mail_threads({a, b, c}, states);
  REQUIRE(files.size() == 2);
  CHECK(files[0].name == "t1.md");
  const auto& text = files[0].content;
  REQUIRE(text.rfind("---\n", 0) == 0);
  const auto end = text.find("\n---\n", 4);
  REQUIRE(end != std::string::npos);
  auto front = boost::json::parse(text.substr(4, end - 4)).as_object();
  CHECK(front.at("thread").as_string() == "t1");
  CHECK(front.at("messages").as_int64() == 2);
  CHECK(front.at("participants").as_array().size() == 2); // alice, bob — not carol
  CHECK(text.find("msg-1") < text.find("msg-3"));
  CHECK(text.find("bob acked 2023-11-14T22:13:20Z") != std::string::npos);
  CHECK(text.find("carol") == std::string::npos); // bcc: neither listed nor receipted
  CHECK(text.find("**In reply to:** msg-1") != std::string::npos);
  // The same input renders the same bytes.
  CHECK(render_mail_threads({a, b, c}, states)[0].content == text);
}
