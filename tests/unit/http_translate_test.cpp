// The HTTP API's pure parts (service/http/): error codes to statuses, the bearer
// credential and its comparison, query parameters to command requests, replies to
// responses, and the operator token file (made 0600 in a 0700 directory, refused when
// others may read it).

#include "service/http/http_translate.hpp"
#include "persistence/credentials.hpp"

#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <sys/stat.h>

using namespace swarm;
using namespace swarm::http;
namespace json = boost::json;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

json::value parsed(const std::string& text) {
  return json::parse(text);
}
// A command as the request line it stands for.
json::value parsed(const swarm::http::command_call& c) {
  return json::parse(c.text());
}

} // namespace

TEST_CASE("http: every error code has its status", "[http]") {
  CHECK(status_of(errc::bad_request) == 400);
  CHECK(status_of(errc::unknown_op) == 400);
  CHECK(status_of(errc::unauthorized) == 401);
  CHECK(status_of(errc::forbidden) == 403);
  CHECK(status_of(errc::not_found) == 404);
  CHECK(status_of(errc::not_claimant) == 409);
  CHECK(status_of(errc::invalid_state) == 409);
  CHECK(status_of(errc::refused) == 409);
  CHECK(status_of(errc::merge_conflict) == 409);
  CHECK(status_of(errc::database_locked) == 409);
  CHECK(status_of(errc::invalid_plan) == 422);
  for (auto c : {errc::storage_error, errc::io_error, errc::timeout, errc::shutting_down,
                 errc::schema_too_new, errc::replay_mismatch, errc::engine_unavailable,
                 errc::internal})
    CHECK(status_of(c) == 500);
  CHECK(std::string{to_string(errc::unauthorized)} == "unauthorized");
  CHECK(parse_errc("unauthorized") == errc::unauthorized);
  CHECK(std::string{to_string(errc::forbidden)} == "forbidden");
  CHECK(parse_errc("forbidden") == errc::forbidden);
  CHECK(std::string{to_string(errc::merge_conflict)} == "merge_conflict");
  CHECK(exit_code(errc::merge_conflict) == 1);
  CHECK(exit_code(errc::forbidden) == 1);
}

TEST_CASE("http: the bearer token of an Authorization header", "[http]") {
  CHECK(bearer_token("Bearer abc123") == std::string_view{"abc123"});
  CHECK(bearer_token("bearer  abc123 ") == std::string_view{"abc123"});
  CHECK(bearer_token("BEARER abc") == std::string_view{"abc"});
  for (const char* bad :
       {"", "Bearer", "Bearer ", "Bearer    ", "Basic abc", "Bearerabc", "Token abc"})
    CHECK_FALSE(bearer_token(bad));
}

TEST_CASE("http: secrets compare equal only when equal", "[http]") {
  CHECK(same_secret("", ""));
  CHECK(same_secret("0123abcd", "0123abcd"));
  CHECK_FALSE(same_secret("0123abcd", "0123abce"));
  CHECK_FALSE(same_secret("0123abcd", "0123abc"));
  CHECK_FALSE(same_secret("0123abc", "0123abcd"));
  CHECK_FALSE(same_secret("", "x"));
  // A prefix padded with NULs is still not the secret.
  CHECK_FALSE(same_secret(std::string_view{"ab\0", 3}, "ab"));
}

TEST_CASE("http: query parameters become the command's arguments", "[http]") {
  const std::vector<query_arg> allowed{
      {"state", arg_kind::text}, {"limit", arg_kind::count}, {"ready", arg_kind::flag}};
  auto r = command_request("tasks", {{"state", "ready"}, {"limit", "5"}, {"ready", "1"}},
                           allowed);
  REQUIRE(r);
  CHECK(parsed(*r) ==
        parsed(R"({"op":"tasks","args":{"state":"ready","limit":5,"ready":true}})"));

  // What does not read as its kind goes on as text, for the op to refuse.
  r = command_request("tasks", {{"limit", "ten"}, {"ready", "yes"}}, allowed);
  REQUIRE(r);
  CHECK(parsed(*r) == parsed(R"({"op":"tasks","args":{"limit":"ten","ready":"yes"}})"));

  r = command_request("tasks", {}, {}, {{"id", "sw-1.2"}});
  REQUIRE(r);
  CHECK(parsed(*r) == parsed(R"({"op":"tasks","args":{"id":"sw-1.2"}})"));

  auto unknown = command_request("tasks", {{"colour", "x"}}, allowed);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == errc::bad_request);
  CHECK(unknown.error().message ==
        "unknown query parameter 'colour'; this resource takes state, limit, ready");
  auto twice = command_request("tasks", {{"state", "a"}, {"state", "b"}}, allowed);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == errc::bad_request);
  // The path's id cannot be replaced from the query.
  CHECK_FALSE(command_request("tasks", {{"id", "x"}}, {{"id", arg_kind::text}},
                              {{"id", "sw-1"}}));
}

TEST_CASE("http: a query parameter may become an argument of another name", "[http]") {
  const std::vector<query_arg> allowed{{"q", arg_kind::text, "query"},
                                       {"kind", arg_kind::text, "type"},
                                       {"k", arg_kind::count}};
  auto r = command_request("memory.search",
                           {{"q", "schema"}, {"kind", "working"}, {"k", "3"}}, allowed);
  REQUIRE(r);
  CHECK(parsed(*r) == parsed(R"({"op":"memory.search",
                                 "args":{"query":"schema","type":"working","k":3}})"));
  // The renamed argument is not a parameter of its own.
  auto own = command_request("memory.search", {{"query", "x"}}, allowed);
  REQUIRE_FALSE(own);
  CHECK(own.error().message ==
        "unknown query parameter 'query'; this resource takes q, kind, k");
}

TEST_CASE("http: a JSON body is the op's arguments", "[http]") {
  auto r = body_request("task.add", R"({"title":"T","priority":1})");
  REQUIRE(r);
  CHECK(parsed(*r) == parsed(R"({"op":"task.add","args":{"title":"T","priority":1}})"));
  // Unknown fields go on: the dispatcher refuses them for every transport alike.
  r = body_request("task.add", R"({"title":"T","colour":"red"})");
  REQUIRE(r);
  CHECK(parsed(*r).at("args").at("colour") == "red");

  auto malformed = body_request("task.add", R"({"title":)");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code == errc::bad_request);
  CHECK(malformed.error().message.rfind("the body is not JSON (", 0) == 0);
  auto array = body_request("task.add", "[1]");
  REQUIRE_FALSE(array);
  CHECK(array.error().message == "the body must be a JSON object of the arguments");
  auto path_id = body_request("task.update", R"({"id":"b"})", {{"id", "a"}});
  REQUIRE_FALSE(path_id);
  CHECK(path_id.error().message == "the body must not hold 'id': it comes from the path");
}

TEST_CASE("http: a PATCH of a task picks its op by the body", "[http]") {
  auto move = patch_task_request("sw-1", R"({"state":"cancelled","reason":"dup"})");
  REQUIRE(move);
  CHECK(parsed(*move) == parsed(R"({"op":"task.move",
                                    "args":{"state":"cancelled","reason":"dup","id":"sw-1"}})"));
  auto defer = patch_task_request("sw-1", R"({"deferred_until_us":5})");
  REQUIRE(defer);
  CHECK(parsed(*defer) ==
        parsed(R"({"op":"task.defer","args":{"id":"sw-1","until_us":5}})"));
  auto update = patch_task_request("sw-1", R"({"priority":0,"title":"New"})");
  REQUIRE(update);
  CHECK(parsed(*update) == parsed(R"({"op":"task.update",
                                      "args":{"priority":0,"title":"New","id":"sw-1"}})"));

  auto mixed = patch_task_request("sw-1", R"({"priority":0,"state":"ready"})");
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().code == errc::bad_request);
  CHECK(mixed.error().message ==
        "'state' cannot be combined with 'priority'; send one change at a time");
  auto defer_mixed = patch_task_request("sw-1", R"({"deferred_until_us":5,"title":"x"})");
  REQUIRE_FALSE(defer_mixed);
  CHECK(defer_mixed.error().message ==
        "'deferred_until_us' cannot be combined with 'title'; send one change at a time");
  CHECK_FALSE(patch_task_request("sw-1", R"({"id":"sw-2","priority":1})"));
  CHECK_FALSE(patch_task_request("sw-1", "not json"));
}

TEST_CASE("http: a reply becomes a response", "[http]") {
  const std::string ok = R"({"id":7,"ok":true,"result":{"n":1}})";
  auto whole = from_reply(ok, true);
  CHECK(whole.status == 200);
  CHECK(whole.body == ok);
  auto result = from_reply(ok, false);
  CHECK(result.status == 200);
  CHECK(parsed(result.body) == parsed(R"({"n":1})"));

  const std::string missing =
      R"({"id":null,"ok":false,"error":{"code":"not_found","message":"no task 'x'"}})";
  for (bool w : {true, false}) {
    auto r = from_reply(missing, w);
    CHECK(r.status == 404);
    CHECK(r.body == missing); // the control socket's error reply, unchanged
  }
  CHECK(from_reply(R"({"ok":false,"error":{"code":"invalid_plan","message":"m"}})", false)
            .status == 422);
  CHECK(from_reply(R"({"ok":false,"error":{"code":"no_such_code","message":"m"}})", false)
            .status == 500);
  auto broken = from_reply("not json", false);
  CHECK(broken.status == 500);
  CHECK(parsed(broken.body).at("error").at("code") == "internal");

  auto e = error_response({errc::unauthorized, "no token"});
  CHECK(e.status == 401);
  CHECK(
      parsed(e.body) ==
      parsed(
          R"({"id":null,"ok":false,"error":{"code":"unauthorized","message":"no token"}})"));
}

TEST_CASE("http: the operator token is made once, private", "[http]") {
  test::temp_dir tmp;
  const auto dir = tmp.path() / ".swarm";
  const auto path = (dir / "token").string();
  auto first = load_or_create_token(path);
  REQUIRE(first);
  CHECK(first->size() == 64);
  CHECK(first->find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(mode_of(dir.string()) == 0700);
  CHECK(mode_of(path) == 0600);
  auto again = load_or_create_token(path);
  REQUIRE(again);
  CHECK(*again == *first);

  // Another directory, another token.
  auto other = load_or_create_token((tmp.path() / "b" / "token").string());
  REQUIRE(other);
  CHECK(*other != *first);
}

TEST_CASE("http: a token file others may read is refused", "[http]") {
  test::temp_dir tmp;
  const auto path = tmp.file("token");
  REQUIRE(load_or_create_token(path));
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  auto r = load_or_create_token(path);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::refused);
  CHECK(r.error().message.find("chmod 600 " + path) != std::string::npos);

  std::ofstream{tmp.file("empty")} << "\n";
  REQUIRE(::chmod(tmp.file("empty").c_str(), 0600) == 0);
  auto empty = load_or_create_token(tmp.file("empty"));
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == errc::refused);
}
