#include "actors/memory/external_embedder.hpp"

#include "actors/memory/external_embedder_internal.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <utility>

namespace swarm::memory {

namespace detail {

std::string excerpt(std::string_view text, size_t max) {
  const bool cut = text.size() > max;
  size_t n = std::min(text.size(), max);
  if (cut)
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
      --n;
  std::string s(text.substr(0, n));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  return cut ? s + "..." : s;
}

std::string with_stderr(std::string message, std::string_view err) {
  auto e = excerpt(err);
  return e.empty() ? message : message + "; stderr: " + e;
}

expected<std::vector<float>> parse_vector(std::string_view text) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec);
  if (ec)
    return make_error(errc::io_error, "the output is not JSON (" + ec.message() + "): '" +
                                          excerpt(text) + "'");
  const boost::json::value* vec = &doc;
  if (const auto* o = doc.if_object()) {
    vec = nullptr;
    if (const auto* e = o->if_contains("embedding")) {
      vec = e;
    } else if (const auto* es = o->if_contains("embeddings")) {
      if (es->is_array() && !es->get_array().empty()) vec = &es->get_array()[0];
    } else if (const auto* d = o->if_contains("data")) {
      if (d->is_array() && !d->get_array().empty() && d->get_array()[0].is_object())
        vec = d->get_array()[0].get_object().if_contains("embedding");
    }
  }
  if (vec == nullptr || !vec->is_array())
    return make_error(errc::io_error,
                      "expected a JSON array of numbers, {\"embedding\": [...]} or "
                      "{\"data\": [{\"embedding\": [...]}]}, got '" +
                          excerpt(text) + "'");
  const auto& arr = vec->get_array();
  if (arr.empty()) return make_error(errc::io_error, "the embedding is empty");
  std::vector<float> v;
  v.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto& x = arr[i];
    if (!x.is_number())
      return make_error(errc::io_error, "element " + std::to_string(i) +
                                            " of the embedding is not a number: " +
                                            excerpt(boost::json::serialize(x), 40));
    const auto f = static_cast<float>(x.to_number<double>());
    if (!std::isfinite(f))
      return make_error(errc::io_error, "element " + std::to_string(i) +
                                            " of the embedding does not fit in a float");
    v.push_back(f);
  }
  return v;
}

namespace {

void normalise(std::vector<float>& v) {
  double sum = 0;
  for (float x : v)
    sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const double inv = 1.0 / std::sqrt(sum);
  for (float& x : v)
    x = static_cast<float>(x * inv);
}

} // namespace

expected<std::vector<float>> external_embedder::embed(std::string_view text) const {
  auto v = embed_unnamed(text);
  if (!v)
    return make_error(v.error().code, "embedder " + name_ + ": " + v.error().message);
  return v;
}

expected<std::vector<float>>
external_embedder::embed_unnamed(std::string_view text) const {
  expected<std::vector<float>> v = make_error(errc::internal, "");
  try {
    v = fetch(text);
  } catch (const std::exception& e) {
    v = make_error(errc::internal, std::string("unexpected exception: ") + e.what());
  }
  if (!v) return v;
  if (dimension_ != 0 && v->size() != dimension_)
    return make_error(errc::io_error,
                      "gave a vector of dimension " + std::to_string(v->size()) +
                          " where every other had " + std::to_string(dimension_));
  normalise(*v);
  return v;
}

} // namespace detail

namespace {

constexpr std::string_view probe_text = "dimension probe";
constexpr size_t builtin_default_dimension = 384;

expected<std::unique_ptr<embedder>> probed(std::unique_ptr<detail::external_embedder> e,
                                           size_t wanted_dimension) {
  auto v = e->embed_unnamed(probe_text);
  if (!v)
    return make_error(v.error().code,
                      "embedder " + e->name() +
                          " failed its start-up probe: " + v.error().message);
  if (wanted_dimension != 0 && v->size() != wanted_dimension)
    return make_error(errc::refused, "embedder " + e->name() +
                                         ": gives vectors of dimension " +
                                         std::to_string(v->size()) + ", not the " +
                                         std::to_string(wanted_dimension) + " asked for");
  e->set_dimension(v->size());
  return std::unique_ptr<embedder>(std::move(e));
}

} // namespace

expected<std::unique_ptr<embedder>> make_embedder(const embedder_spec& spec) {
  if (spec.kind == "builtin") {
    const size_t dim = spec.dimension == 0 ? builtin_default_dimension : spec.dimension;
    if (dim < 16 || dim > 65536)
      return make_error(errc::refused,
                        "the built-in embedder takes 16 to 65536 dimensions, not " +
                            std::to_string(dim));
    return std::unique_ptr<embedder>(std::make_unique<builtin_embedder>(dim));
  }
  if (spec.kind != "command" && spec.kind != "http")
    return make_error(errc::bad_request, "unknown embedder kind '" + spec.kind +
                                             "'; use builtin, command or http");
  if (spec.timeout_ms <= 0)
    return make_error(errc::bad_request, "embedder timeout must be positive, not " +
                                             std::to_string(spec.timeout_ms) + " ms");
  const std::chrono::milliseconds timeout{spec.timeout_ms};
  try {
    auto e = spec.kind == "command" ? detail::make_command_embedder(spec, timeout)
                                    : detail::make_http_embedder(spec, timeout);
    if (!e) return e.error();
    return probed(std::move(*e), spec.dimension);
  } catch (const std::exception& e) {
    return make_error(errc::internal, "making the embedder: " + std::string(e.what()));
  }
}

} // namespace swarm::memory
