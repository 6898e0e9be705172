// Mail search queries: terms quoted for FTS5 (user text is never FTS5 syntax), field
// prefixes, and clear errors for malformed queries.

#include "actors/mail_router/mail_query.hpp"

#include <catch2/catch.hpp>

using namespace swarm;

TEST_CASE("mail query: words, phrases and fields", "[mail][search]") {
  auto q = parse_mail_query(
      R"(auth subject:token body:"expired key" from:alice thread:msg-3)");
  REQUIRE(q);
  CHECK(q->match == R"("auth" AND subject : "token" AND body : "expired key")");
  CHECK(q->from == "alice");
  CHECK(q->thread == "msg-3");

  auto only_from = parse_mail_query("from:bob");
  REQUIRE(only_from);
  CHECK(only_from->match.empty());
  CHECK(only_from->from == "bob");

  // FTS5 operators and quotes in user text are literal terms.
  auto ops = parse_mail_query(R"(NEAR( OR a"b *)");
  REQUIRE(ops);
  CHECK(ops->match == R"("NEAR(" AND "OR" AND "a""b" AND "*")");
  CHECK(parse_mail_query("Subject:x")->match == R"(subject : "x")");
}

TEST_CASE("mail query: malformed queries are clear errors", "[mail][search]") {
  for (const char* bad :
       {"", "   ", "colour:red", "\"unclosed", "from:", "subject:\"\""}) {
    auto q = parse_mail_query(bad);
    INFO(bad);
    REQUIRE_FALSE(q);
    CHECK(q.error().code == errc::bad_request);
  }
}
