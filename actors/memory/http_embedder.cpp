// The HTTP embedder: POSTs {"model", "input"} to an OpenAI-compatible embeddings endpoint
// (cpp-httplib), with the API key read once from the environment.

#include "actors/memory/external_embedder_internal.hpp"

#include <boost/json.hpp>
#include <httplib.h>

#include <cstdlib>
#include <utility>

namespace swarm::memory::detail {

namespace {

class http_embedder final : public external_embedder {
public:
  http_embedder(endpoint ep, std::string model, std::string key, std::string key_env,
                std::chrono::milliseconds timeout)
      : external_embedder("http:" + ep.url + "#" + model), endpoint_(std::move(ep)),
        model_(std::move(model)), key_(std::move(key)), key_env_(std::move(key_env)),
        timeout_(timeout) {}

protected:
  // One client per call: nothing shared between threads, at the price of a new
  // connection each time (embeddings are written rarely).
  expected<std::vector<float>> fetch(std::string_view text) const override {
    httplib::Client client(endpoint_.origin);
    if (!client.is_valid())
      return make_error(errc::bad_request,
                        "cannot make a client for " + endpoint_.origin);
    client.set_connection_timeout(timeout_);
    client.set_read_timeout(timeout_);
    client.set_write_timeout(timeout_);
    boost::json::object body;
    if (!model_.empty()) body["model"] = model_;
    body["input"] = text;
    httplib::Headers headers;
    if (!key_.empty()) headers.emplace("Authorization", "Bearer " + key_);
    const auto res = client.Post(endpoint_.path, headers, boost::json::serialize(body),
                                 "application/json");
    if (!res) {
      const auto e = res.error();
      const bool timed_out = e == httplib::Error::ConnectionTimeout;
      std::string hint = e == httplib::Error::Connection || timed_out
                             ? "; is the server running at " + endpoint_.origin + "?"
                             : "";
      return make_error(timed_out ? errc::timeout : errc::io_error,
                        "POST " + endpoint_.url + " failed (" + httplib::to_string(e) +
                            ")" + hint);
    }
    if (res->status != 200) {
      std::string hint;
      if (res->status == 401 || res->status == 403)
        hint = key_.empty() ? " (no API key sent: set " + key_env_ + ")"
                            : " (check the key in " + key_env_ + ")";
      return make_error(errc::io_error, "POST " + endpoint_.url + " answered HTTP " +
                                            std::to_string(res->status) + hint + ": '" +
                                            excerpt(res->body) + "'");
    }
    return parse_vector(res->body);
  }

private:
  endpoint endpoint_;
  std::string model_, key_;
  std::string key_env_; // where the key came from (or was looked for), for messages
  std::chrono::milliseconds timeout_;
};

std::string env_value(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? "" : v;
}

} // namespace

expected<std::unique_ptr<external_embedder>>
make_http_embedder(const embedder_spec& spec, std::chrono::milliseconds timeout) {
  auto ep = parse_endpoint(spec.target);
  if (!ep)
    return make_error(errc::bad_request,
                      "embedder URL '" + spec.target + "': " + ep.error().message);
  std::string key_env = spec.api_key_env, key;
  if (!key_env.empty()) {
    key = env_value(key_env);
  } else {
    key_env = "SWARM_EMBEDDER_API_KEY";
    key = env_value(key_env);
    if (key.empty() && !(key = env_value("OPENAI_API_KEY")).empty())
      key_env = "OPENAI_API_KEY";
  }
  return std::unique_ptr<external_embedder>(std::make_unique<http_embedder>(
      std::move(*ep), spec.model, std::move(key), std::move(key_env), timeout));
}

} // namespace swarm::memory::detail
