// Fuzz target: the command protocol (engine::execute) on a scratch database, one request
// line per input. Whatever the line, the reply is one JSON object saying ok true or
// false (false with an error code and message), and the engine still answers after it.
// Ops that run commands or write files where the request says (quality.baseline,
// mail.export) are left out: they would act on this machine, not find bugs.
#include "tests/fuzz/fuzz_check.hpp"

#include <swarm/engine.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace {

namespace json = boost::json;

swarm::engine* scratch = nullptr;

// The reply's shape, or the property it breaks.
void check_reply(const std::string& request, const std::string& reply) {
  json::error_code ec;
  auto v = json::parse(reply, ec);
  swarm::fuzz::require(!ec && v.is_object(), "the reply is a JSON object: " + reply);
  const auto& o = v.as_object();
  const auto* ok = o.if_contains("ok");
  swarm::fuzz::require(ok != nullptr && ok->is_bool(), "the reply says ok: " + reply);
  if (ok->get_bool()) return;
  const auto* e = o.if_contains("error");
  swarm::fuzz::require(e != nullptr && e->is_object() && e->as_object().contains("code") &&
                           e->as_object().contains("message"),
                       "a refusal has a code and a message: " + reply + " for " + request);
}

bool acts_on_the_machine(const std::string& request) {
  json::error_code ec;
  auto v = json::parse(request, ec);
  if (ec || !v.is_object()) return false;
  const auto* op = v.as_object().if_contains("op");
  return op != nullptr && op->is_string() &&
         (op->get_string() == "quality.baseline" || op->get_string() == "mail.export");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char dir[] = "/tmp/swarm-fuzz-XXXXXX";
  if (::mkdtemp(dir) == nullptr) swarm::fuzz::violated("cannot make a scratch directory");
  swarm::options o;
  o.db_path = std::string{dir} + "/.swarm/swarm.db";
  auto opened = swarm::engine::open(o);
  if (!opened) swarm::fuzz::violated("the scratch engine: " + opened.error().to_string());
  scratch = opened->release(); // lives as long as the process
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string request{reinterpret_cast<const char*>(data), size};
  if (acts_on_the_machine(request)) return 0;
  check_reply(request, scratch->execute(request));
  check_reply("ping", scratch->execute(R"({"id":1,"op":"ping"})"));
  return 0;
}
