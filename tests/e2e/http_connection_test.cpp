// The HTTP connection itself (`swarm serve`, service/http/keep_alive_server.hpp), seen
// from a plain socket: pipelined keep-alive requests answered in order, a 100-continue
// sent before the body is read, a stream whose head and first comment arrive before any
// event, and a client that hangs up mid-request leaving the server answering others.

#include "tests/e2e/served.hpp"
#include "tests/support/raw_http.hpp"

namespace {

using namespace e2e;
using swarm::test::raw_http;

// A request's head with the operator token; `headers` are more lines, each ending "\r\n".
std::string head(const served& s, const std::string& method, const std::string& path,
                 const std::string& headers = {}) {
  return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
         s.token + "\r\n" + headers + "\r\n";
}

std::string get(const served& s, const std::string& path) { return head(s, "GET", path); }

} // namespace

TEST_CASE("http connection: pipelined keep-alive requests are answered whole and in order",
          "[e2e][http]") {
  temp_dir dir;
  served s{dir};
  raw_http c{s.port};
  REQUIRE(c.connected());
  REQUIRE(c.send(get(s, "/api/status") + get(s, "/api/nothing-here") +
                 get(s, "/api/agents")));
  auto first = c.read_response();
  auto second = c.read_response();
  auto third = c.read_response();
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  CHECK(first->status == 200);
  CHECK(parse_json(first->body).as_object().contains("tasks"));
  CHECK(second->status == 404);
  CHECK(parse_json(second->body).at("error").at("code").as_string() == "not_found");
  CHECK(third->status == 200);
  CHECK(parse_json(third->body).as_object().contains("agents"));
  // The connection stays open for more.
  REQUIRE(c.send(get(s, "/api/status")));
  auto fourth = c.read_response();
  REQUIRE(fourth);
  CHECK(fourth->status == 200);
}

TEST_CASE("http connection: Expect 100-continue is answered before the body is sent",
          "[e2e][http]") {
  temp_dir dir;
  served s{dir};
  raw_http c{s.port};
  REQUIRE(c.connected());
  const std::string body = R"({"title":"sent after the 100"})";
  REQUIRE(c.send(head(s, "POST", "/api/tasks",
                      "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                      "Content-Length: " +
                          std::to_string(body.size()) + "\r\n")));
  // Nothing of the body has been sent: the server must not wait for it to say 100.
  auto interim = c.read_until("\r\n\r\n");
  REQUIRE(interim);
  CHECK(interim->rfind("HTTP/1.1 100 Continue", 0) == 0);
  REQUIRE(c.send(body));
  auto added = c.read_response();
  REQUIRE(added);
  CHECK(added->status == 200);
  const auto id = std::string{parse_json(added->body).at("id").as_string()};
  auto shown = s.get("/api/tasks/" + id);
  REQUIRE(shown);
  CHECK(shown->status == 200);
  CHECK(parse_json(shown->body).at("title").as_string() == "sent after the 100");
}

TEST_CASE("http connection: a stream with nothing to replay opens at once", "[e2e][http]") {
  temp_dir dir;
  served s{dir};
  raw_http c{s.port};
  REQUIRE(c.connected());
  REQUIRE(c.send(get(s, "/api/stream")));
  // No event is committed meanwhile: the head and a comment arrive by themselves.
  auto head = c.read_until("\r\n\r\n");
  REQUIRE(head);
  CHECK(head->rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head->find("text/event-stream") != std::string::npos);
  auto first = c.read_until("\n\n");
  REQUIRE(first);
  CHECK(first->find(": keep-alive") != std::string::npos);
  CHECK(first->find("id: ") == std::string::npos);
}

TEST_CASE("http connection: a client that hangs up mid-request leaves the server serving",
          "[e2e][http]") {
  temp_dir dir;
  served s{dir};
  for (int i = 0; i < 20; ++i) {
    raw_http quitter{s.port};
    REQUIRE(quitter.connected());
    REQUIRE(quitter.send(head(s, "POST", "/api/tasks", "Content-Length: 100\r\n") +
                         "{\"title\":"));
  } // each closes with its body unsent
  auto status = s.get("/api/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  CHECK(parse_json(status->body).at("tasks").at("total").as_int64() == 0);
}
