// External embedders: spec parsing, a real command (a python3 script written here), and
// the HTTP embedder against a stub OpenAI-compatible server on 127.0.0.1.

#include "actors/memory/external_embedder.hpp"

#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <httplib.h>

#include <arpa/inet.h>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace swarm::memory;
using Catch::Matchers::Contains;
using swarm::errc;

namespace {

// The input reaches the script through stdin and its arguments through argv: the
// vector [bytes of input, number of arguments, 1] shows both arrived. A mode argument
// picks the output form or a failure.
constexpr const char* embed_script = R"PY(
import json, sys
text = sys.stdin.buffer.read()
mode = sys.argv[1]
vec = [len(text), len(sys.argv) - 1, 1.0]
if text == b"fail":
    sys.stderr.write("model exploded on purpose\n")
    sys.exit(3)
if text == b"longer":
    vec.append(2.0)
if mode == "array":
    print(json.dumps(vec))
elif mode == "object":
    print(json.dumps({"embedding": vec}))
elif mode == "data":
    print(json.dumps({"data": [{"embedding": vec, "index": 0}], "model": "x"}))
elif mode == "zero":
    print("[0, 0, 0]")
elif mode == "garbage":
    sys.stderr.write("loading weights\n")
    print("this is not json")
elif mode == "strings":
    print('["a", 1]')
elif mode == "empty":
    print("[]")
)PY";

std::string python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

struct script_dir {
  swarm::test::temp_dir dir;
  std::string script = dir.file("embed.py");
  script_dir() { swarm::test::spit(script, embed_script); }
  // A spec running the script in `mode`, with extra (already quoted) arguments.
  embedder_spec spec(const std::string& mode, const std::string& extra = "") const {
    auto s = parse_embedder_spec("command:" + python() + " '" + script + "' " + mode +
                                 " " + extra);
    REQUIRE(s);
    return *s;
  }
};

std::unique_ptr<embedder> make(const embedder_spec& spec) {
  auto e = make_embedder(spec);
  if (!e) FAIL(e.error().to_string());
  return std::move(*e);
}

std::vector<float> embed(const embedder& e, std::string_view text) {
  auto v = e.embed(text);
  if (!v) FAIL(v.error().to_string());
  return std::move(*v);
}

float norm(const std::vector<float>& v) {
  return std::sqrt(dot(v, v));
}

// An OpenAI-compatible stub: answers POST /v1/embeddings with [bytes of input, 1, 0]
// unless `respond` says otherwise, and records what it received.
class stub_server {
public:
  using handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit stub_server(handler respond = {}) : respond_(std::move(respond)) {
    server_.Post("/v1/embeddings", [this](const httplib::Request& req,
                                          httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        bodies_.push_back(req.body);
        auth_.push_back(req.has_header("Authorization")
                            ? req.get_header_value("Authorization")
                            : "<none>");
      }
      if (respond_) {
        respond_(req, res);
        return;
      }
      auto input = boost::json::parse(req.body).at("input").as_string();
      boost::json::object answer{
          {"data", boost::json::array{boost::json::object{
                       {"embedding",
                        boost::json::array{static_cast<double>(input.size()), 1.0, 0.0}},
                       {"index", 0}}}},
          {"model", "stub"}};
      res.set_content(boost::json::serialize(answer), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  ~stub_server() {
    // stop() does nothing before the listen loop runs: wait for it first.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path = "/v1/embeddings") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  std::vector<std::string> auth() {
    std::lock_guard<std::mutex> lock(mu_);
    return auth_;
  }

private:
  handler respond_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_, auth_;
};

embedder_spec http_spec(const std::string& url, const std::string& model = "test-model") {
  auto s = parse_embedder_spec(url);
  REQUIRE(s);
  s->model = model;
  s->api_key_env = "SWARM_TEST_EMBEDDER_KEY_NEVER_SET";
  ::unsetenv(s->api_key_env.c_str());
  return *s;
}

} // namespace

TEST_CASE("external embedder: specs parse into kind and target", "[memory][embedder]") {
  auto builtin = parse_embedder_spec("builtin");
  REQUIRE(builtin);
  CHECK(builtin->kind == "builtin");
  CHECK(builtin->dimension == 0);

  auto sized = parse_embedder_spec("builtin:64");
  REQUIRE(sized);
  CHECK(sized->kind == "builtin");
  CHECK(sized->dimension == 64);

  auto cmd = parse_embedder_spec("command:python3 embed.py --fast");
  REQUIRE(cmd);
  CHECK(cmd->kind == "command");
  CHECK(cmd->target == "python3 embed.py --fast");

  auto prefixed = parse_embedder_spec("http:http://127.0.0.1:8080/v1/embeddings");
  REQUIRE(prefixed);
  CHECK(prefixed->kind == "http");
  CHECK(prefixed->target == "http://127.0.0.1:8080/v1/embeddings");

  auto plain = parse_embedder_spec("https://example.com/embed?x=1");
  REQUIRE(plain);
  CHECK(plain->kind == "http");
  CHECK(plain->target == "https://example.com/embed?x=1");

  // Base URLs, as OpenAI clients take them, mean the embeddings endpoint.
  CHECK(parse_embedder_spec("https://api.openai.com/v1")->target ==
        "https://api.openai.com/v1/embeddings");
  CHECK(parse_embedder_spec("http://localhost:11434")->target ==
        "http://localhost:11434/v1/embeddings");
  CHECK(parse_embedder_spec("http://[::1]:8080/v1/")->target ==
        "http://[::1]:8080/v1/embeddings");
}

TEST_CASE("external embedder: bad specs say which part is wrong", "[memory][embedder]") {
  auto bad = [](const std::string& text, const std::string& says) {
    auto s = parse_embedder_spec(text);
    INFO(text);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == errc::bad_request);
    CHECK_THAT(s.error().message, Contains(says));
  };
  bad("", "unknown kind");
  bad("word2vec", "use builtin, builtin:<dimension>, command:<template>");
  bad("builtin:8", "the dimension '8' must be a whole number from 16 to 65536");
  bad("builtin:abc", "'abc'");
  bad("builtin:", "dimension");
  bad("builtin:100000", "100000");
  bad("command", "needs the program to run");
  bad("command:", "empty");
  bad("command:  ", "empty");
  bad("command:python3 'embed.py", "unbalanced ' (no closing quote) at column 9");
  bad("command:embed \"x", "unbalanced \"");
  bad("command:embed \\", "trailing backslash");
  bad("http", "needs a URL");
  bad("http:ftp://host/x", "must start with http:// or https://");
  bad("http://", "no host");
  bad("http://host:99999/x", "the port must be a number from 1 to 65535");
  bad("http://host:/x", "port");
  bad("http://user:pw@host/x", "credentials in the URL are not supported");
}

TEST_CASE("external embedder: builtin specs make the built-in embedder",
          "[memory][embedder]") {
  auto e = make(*parse_embedder_spec("builtin"));
  CHECK(e->name() == "builtin-hash-v1");
  CHECK(e->dimension() == 384);
  CHECK(make(*parse_embedder_spec("builtin:64"))->dimension() == 64);

  embedder_spec odd;
  odd.kind = "builtin";
  odd.dimension = 3;
  auto refused = make_embedder(odd);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::refused);

  embedder_spec unknown;
  unknown.kind = "magic";
  REQUIRE_FALSE(make_embedder(unknown));
  CHECK(make_embedder(unknown).error().code == errc::bad_request);

  // A spec filled in by hand gets the same checks as a parsed one.
  embedder_spec bad_url;
  bad_url.kind = "http";
  bad_url.target = "localhost:8080";
  auto url_error = make_embedder(bad_url);
  REQUIRE_FALSE(url_error);
  CHECK(url_error.error().code == errc::bad_request);
  CHECK(url_error.error().message ==
        "embedder URL 'localhost:8080': must start with http:// or https://");
}

TEST_CASE(
    "external embedder: a command gets the text on stdin and its vector is normalised",
    "[memory][embedder]") {
  script_dir s;
  // Quoting keeps "two words" one argument: the script sees 3 arguments.
  auto spec = s.spec("array", "\"two words\" x");
  auto e = make(spec);
  CHECK(e->name() == "command:" + spec.target);
  CHECK(e->dimension() == 3); // known from the probe, before any embed

  auto v = embed(*e, "hello");
  REQUIRE(v.size() == 3);
  CHECK(norm(v) == Approx(1.0f));
  CHECK(v[0] / v[2] == Approx(5.0f)); // 5 bytes of input reached the script
  CHECK(v[1] / v[2] == Approx(3.0f)); // mode, "two words", x

  // Much more than a pipe buffer, and bytes beyond ASCII, arrive whole.
  std::string big(1 << 20, 'x');
  big += "größe";
  auto w = embed(*e, big);
  CHECK(w[0] / w[2] == Approx(static_cast<float>(big.size())));
  auto empty = embed(*e, "");
  CHECK(empty[0] == 0.0f);
  CHECK(empty[2] == Approx(1.0f / std::sqrt(10.0f)));
}

TEST_CASE("external embedder: a command may answer in any of the JSON forms",
          "[memory][embedder]") {
  script_dir s;
  for (const char* mode : {"object", "data"}) {
    INFO(mode);
    auto e = make(s.spec(mode));
    auto v = embed(*e, "abc");
    REQUIRE(v.size() == 3);
    CHECK(v[0] / v[2] == Approx(3.0f));
    CHECK(norm(v) == Approx(1.0f));
  }
  auto zero = make(s.spec("zero"));
  CHECK(zero->dimension() == 3);
  CHECK(embed(*zero, "anything") == std::vector<float>{0, 0, 0}); // stays zero
}

TEST_CASE("external embedder: a failing command reports its exit and stderr",
          "[memory][embedder]") {
  script_dir s;
  auto e = make(s.spec("array"));
  auto v = e->embed("fail");
  REQUIRE_FALSE(v);
  CHECK(v.error().code == errc::io_error);
  CHECK_THAT(v.error().message, Contains("embedder command:"));
  CHECK_THAT(v.error().message, Contains("exited with code 3"));
  CHECK_THAT(v.error().message, Contains("stderr: model exploded on purpose"));

  // A command that cannot work fails at make_embedder, through the probe.
  auto broken =
      make_embedder(*parse_embedder_spec("command:sh -c 'echo no GPU >&2; exit 7'"));
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Contains("exited with code 7"));
  CHECK_THAT(broken.error().message, Contains("no GPU"));
  CHECK_THAT(broken.error().message, Contains("failed its start-up probe"));

  auto missing = make_embedder(*parse_embedder_spec("command:/nonexistent/embedder --x"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::io_error);
  CHECK_THAT(missing.error().message, Contains("cannot run '/nonexistent/embedder'"));

  auto killed = make_embedder(*parse_embedder_spec("command:sh -c 'kill -9 $$'"));
  REQUIRE_FALSE(killed);
  CHECK_THAT(killed.error().message, Contains("killed by signal 9"));
}

TEST_CASE("external embedder: output that is no vector is an error",
          "[memory][embedder]") {
  script_dir s;
  auto check = [&](const char* mode, const std::string& says) {
    INFO(mode);
    auto e = make_embedder(s.spec(mode));
    REQUIRE_FALSE(e);
    CHECK(e.error().code == errc::io_error);
    CHECK_THAT(e.error().message, Contains(says));
  };
  check("garbage", "the output is not JSON");
  check("garbage", "'this is not json'");
  check("garbage", "stderr: loading weights");
  check("strings", "element 0 of the embedding is not a number");
  check("empty", "the embedding is empty");
  auto nothing = make_embedder(*parse_embedder_spec("command:true"));
  REQUIRE_FALSE(nothing);
  CHECK_THAT(nothing.error().message, Contains("not JSON"));
}

TEST_CASE("external embedder: a vector of another dimension is an error",
          "[memory][embedder]") {
  script_dir s;
  auto e = make(s.spec("array"));
  REQUIRE(e->dimension() == 3);
  auto v = e->embed("longer"); // the script adds a fourth element for this text
  REQUIRE_FALSE(v);
  CHECK(v.error().code == errc::io_error);
  CHECK_THAT(v.error().message, Contains("dimension 4 where every other had 3"));

  auto spec = s.spec("array");
  spec.dimension = 5;
  auto wrong = make_embedder(spec);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == errc::refused);
  CHECK_THAT(wrong.error().message, Contains("dimension 3, not the 5 asked for"));
}

TEST_CASE("external embedder: a slow command is killed at the timeout",
          "[memory][embedder]") {
  auto spec =
      *parse_embedder_spec("command:sh -c 'echo thinking >&2; sleep 5; echo [1]'");
  spec.timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  auto e = make_embedder(spec);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(e);
  CHECK(e.error().code == errc::timeout);
  CHECK_THAT(e.error().message, Contains("no answer within 300 ms"));
  CHECK_THAT(e.error().message, Contains("stderr: thinking"));
  // The whole group died: the sleep, holding stdout, did not keep the call waiting.
  CHECK(took < std::chrono::seconds(3));

  spec.timeout_ms = 0;
  REQUIRE_FALSE(make_embedder(spec));
  CHECK(make_embedder(spec).error().code == errc::bad_request);
}

TEST_CASE("external embedder: background jobs of a finished command do not hold it up",
          "[memory][embedder]") {
  auto spec = *parse_embedder_spec("command:sh -c 'sleep 5 & echo [3,4]'");
  const auto start = std::chrono::steady_clock::now();
  auto e = make(spec);
  auto v = embed(*e, "x");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(v[0] == Approx(0.6f));
  CHECK(v[1] == Approx(0.8f));
}

TEST_CASE("external embedder: http posts model and input with the API key",
          "[memory][embedder]") {
  stub_server stub;
  auto spec = http_spec(stub.url("/v1")); // a base URL: posts to /v1/embeddings
  spec.api_key_env = "SWARM_TEST_EMBEDDER_KEY";
  ::setenv("SWARM_TEST_EMBEDDER_KEY", "sekrit", 1);
  auto e = make(spec);
  ::unsetenv("SWARM_TEST_EMBEDDER_KEY");
  CHECK(e->name() == "http:" + stub.url() + "#test-model");
  CHECK(e->dimension() == 3);

  auto v = embed(*e, "hello world");
  CHECK(v[0] / v[1] == Approx(11.0f));
  CHECK(norm(v) == Approx(1.0f));

  auto bodies = stub.bodies();
  REQUIRE(bodies.size() == 2); // the probe, then the text
  auto probe = boost::json::parse(bodies[0]).as_object();
  CHECK(probe.at("input").as_string() == "dimension probe");
  auto body = boost::json::parse(bodies[1]).as_object();
  CHECK(body.at("model").as_string() == "test-model");
  CHECK(body.at("input").as_string() == "hello world");
  // The key was read once, at make_embedder: unsetting it later changes nothing.
  CHECK(stub.auth() == std::vector<std::string>{"Bearer sekrit", "Bearer sekrit"});
}

TEST_CASE("external embedder: http without a key or model sends neither",
          "[memory][embedder]") {
  stub_server stub;
  auto e = make(http_spec(stub.url(), ""));
  CHECK(e->name() == "http:" + stub.url() + "#");
  auto body = boost::json::parse(stub.bodies().at(0)).as_object();
  CHECK_FALSE(body.contains("model"));
  CHECK(stub.auth() == std::vector<std::string>{"<none>"});
}

TEST_CASE("external embedder: http errors carry the status and the body",
          "[memory][embedder]") {
  stub_server failing([](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("{\"error\": \"model exploded\"}", "application/json");
  });
  auto e = make_embedder(http_spec(failing.url()));
  REQUIRE_FALSE(e);
  CHECK(e.error().code == errc::io_error);
  CHECK_THAT(e.error().message, Contains("answered HTTP 500"));
  CHECK_THAT(e.error().message, Contains("model exploded"));
  CHECK_THAT(e.error().message, Contains("failed its start-up probe"));

  stub_server unauthorised([](const httplib::Request&, httplib::Response& res) {
    res.status = 401;
    res.set_content("no key", "text/plain");
  });
  auto denied = make_embedder(http_spec(unauthorised.url()));
  REQUIRE_FALSE(denied);
  CHECK_THAT(denied.error().message,
             Contains("no API key sent: set SWARM_TEST_EMBEDDER_KEY"));

  stub_server wrong_shape([](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"data\": []}", "application/json");
  });
  auto shapeless = make_embedder(http_spec(wrong_shape.url()));
  REQUIRE_FALSE(shapeless);
  CHECK_THAT(shapeless.error().message, Contains("expected a JSON array of numbers"));
}

TEST_CASE("external embedder: http to a port nobody listens on fails fast",
          "[memory][embedder]") {
  // A bound socket that does not listen: the port stays ours, and connecting to it is
  // refused at once.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const auto url =
      "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1/embeddings";

  auto e = make_embedder(http_spec(url));
  ::close(fd);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == errc::io_error);
  CHECK_THAT(e.error().message, Contains("POST " + url + " failed"));
  CHECK_THAT(e.error().message, Contains("is the server running at http://127.0.0.1:"));
}

TEST_CASE("external embedder: a slow http server hits the timeout",
          "[memory][embedder]") {
  stub_server slow([](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    res.set_content("[1]", "application/json");
  });
  auto spec = http_spec(slow.url());
  spec.timeout_ms = 100;
  const auto start = std::chrono::steady_clock::now();
  auto e = make_embedder(spec);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(350));
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().message, Contains("POST " + slow.url() + " failed"));
}
