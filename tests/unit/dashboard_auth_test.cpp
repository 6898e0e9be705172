// The dashboard's sign-in and header rules (service/http/dashboard_auth.hpp): the
// session cookie read from a Cookie header and written for Set-Cookie, If-None-Match
// against an ETag, one-time codes that open once, sessions that are remembered; and
// the embedded asset table (every asset has a type and a quoted ETag).

#include "service/http/dashboard_auth.hpp"
#include "service/http/web_assets.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace swarm;
using namespace swarm::http;

TEST_CASE("dashboard: the session cookie is found among others", "[http][dashboard]") {
  CHECK(cookie_value("swarm_session=abc", "swarm_session") == std::string_view{"abc"});
  CHECK(cookie_value("a=1; swarm_session=abc; b=2", "swarm_session") ==
        std::string_view{"abc"});
  CHECK(cookie_value("a=1;swarm_session = \"q\" ", "swarm_session") ==
        std::string_view{"q"});
  CHECK(cookie_value("x_swarm_session=abc; swarm_session_old=d", "swarm_session") ==
        std::nullopt);
  CHECK(cookie_value("swarm_session", "swarm_session") == std::nullopt);
  CHECK(cookie_value("", "swarm_session") == std::nullopt);
  CHECK(cookie_value("swarm_session=", "swarm_session") == std::string_view{""});
}

TEST_CASE("dashboard: the Set-Cookie is HttpOnly, SameSite=Strict, for the whole site",
          "[http][dashboard]") {
  CHECK(session_cookie("s3cret") ==
        "swarm_session=s3cret; HttpOnly; SameSite=Strict; Path=/");
}

TEST_CASE("dashboard: If-None-Match names the ETag", "[http][dashboard]") {
  const std::string etag = "\"abc123\"";
  CHECK(etag_matches("\"abc123\"", etag));
  CHECK(etag_matches("\"zzz\", W/\"abc123\"", etag));
  CHECK(etag_matches("*", etag));
  CHECK_FALSE(etag_matches("\"abc12\"", etag));
  CHECK_FALSE(etag_matches("abc123", etag));
  CHECK_FALSE(etag_matches("", etag));
}

TEST_CASE("dashboard: a login code opens once and makes a session", "[http][dashboard]") {
  dashboard_logins logins;
  CHECK(logins.redeem("").error().code == errc::unauthorized); // none made yet
  auto code = logins.fresh_code();
  REQUIRE(code);
  CHECK(code->size() == 64);
  CHECK(logins.redeem("wrong").error().code == errc::unauthorized);
  auto session = logins.redeem(*code); // a wrong try did not use it up
  REQUIRE(session);
  CHECK(*session != *code);
  CHECK(logins.is_session(*session));
  CHECK_FALSE(logins.is_session(*code));
  CHECK_FALSE(logins.is_session(""));
  auto again = logins.redeem(*code);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::unauthorized);
  CHECK(again.error().message.find("swarm dashboard") != std::string::npos);
  CHECK(logins.is_session(*session)); // the refused try changed nothing
}

TEST_CASE("dashboard: a fresh code replaces the one before", "[http][dashboard]") {
  dashboard_logins logins;
  auto first = logins.fresh_code();
  auto second = logins.fresh_code();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(*first != *second);
  CHECK_FALSE(logins.redeem(*first));
  CHECK(logins.redeem(*second));
}

TEST_CASE("dashboard: the oldest session is forgotten past the limit",
          "[http][dashboard]") {
  dashboard_logins logins;
  std::string oldest, newest;
  for (size_t i = 0; i <= dashboard_logins::max_sessions; ++i) {
    auto s = logins.redeem(*logins.fresh_code());
    REQUIRE(s);
    if (i == 0) oldest = *s;
    newest = *s;
  }
  CHECK_FALSE(logins.is_session(oldest));
  CHECK(logins.is_session(newest));
}

TEST_CASE("dashboard: the embedded assets have a type and a quoted ETag",
          "[http][dashboard]") {
  const auto* page = find_web_asset("index.html");
  REQUIRE(page != nullptr);
  CHECK(std::string{page->content_type} == "text/html; charset=utf-8");
  std::set<std::string> names;
  for (const auto& a : web_assets()) {
    INFO(a.name);
    CHECK(names.insert(a.name).second);
    const std::string etag = a.etag;
    CHECK(etag.size() == 22);
    CHECK(etag.front() == '"');
    CHECK(etag.back() == '"');
    CHECK(a.size > 0);
  }
  CHECK(find_web_asset("app.js") != nullptr);
  CHECK(find_web_asset("app.css") != nullptr);
  CHECK(find_web_asset("nothing.js") == nullptr);
}
