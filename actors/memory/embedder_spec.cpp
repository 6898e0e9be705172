// Embedder specs: "builtin[:<dimension>]", "command:<template>", "http:<url>" or a plain
// http(s) URL, parsed and checked before anything runs.

#include "actors/memory/external_embedder.hpp"

#include "actors/memory/external_embedder_internal.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace swarm::memory {

namespace detail {

expected<endpoint> parse_endpoint(std::string_view url) {
  auto bad = [&](const std::string& what) { return make_error(errc::bad_request, what); };
  std::string_view rest;
  endpoint e;
  for (std::string_view scheme : {"http://", "https://"})
    if (url.substr(0, scheme.size()) == scheme) {
      rest = url.substr(scheme.size());
      e.origin = std::string(scheme);
    }
  if (e.origin.empty()) return bad("must start with http:// or https://");
  const auto slash = std::min(rest.find('/'), rest.find('?'));
  const auto authority = rest.substr(0, slash);
  e.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos)
    return bad("credentials in the URL are not supported; put the key in an environment "
               "variable (SWARM_EMBEDDER_API_KEY by default)");
  // host, or [IPv6 address], then an optional :port.
  size_t host_end = 0;
  if (!authority.empty() && authority[0] == '[') {
    host_end = authority.find(']');
    if (host_end == std::string_view::npos) return bad("unbalanced [ in the host");
    ++host_end;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
  }
  if (host_end == 0 || (authority[0] == '[' && host_end == 2)) return bad("no host");
  const auto port = authority.substr(host_end);
  if (!port.empty()) {
    const auto digits = port.substr(1);
    const bool numeric = port[0] == ':' && !digits.empty() && digits.size() <= 5 &&
                         std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || std::stoi(std::string(digits)) < 1 ||
        std::stoi(std::string(digits)) > 65535)
      return bad("the port must be a number from 1 to 65535");
  }
  e.origin += std::string(authority);
  // Base URLs as the OpenAI clients take them (OPENAI_BASE_URL) mean their embeddings
  // endpoint; any other path is the endpoint itself.
  auto ends_with = [&](std::string_view s) {
    return e.path.size() >= s.size() &&
           e.path.compare(e.path.size() - s.size(), s.size(), s) == 0;
  };
  if (e.path.empty() || e.path == "/")
    e.path = "/v1/embeddings";
  else if (ends_with("/v1"))
    e.path += "/embeddings";
  else if (ends_with("/v1/"))
    e.path += "embeddings";
  e.url = e.origin + e.path;
  return e;
}

} // namespace detail

namespace {

const char* const valid_forms =
    "use builtin, builtin:<dimension>, command:<template>, or the http(s):// URL of an "
    "OpenAI-compatible embeddings endpoint";

expected<embedder_spec> bad_spec(std::string_view text, const std::string& what) {
  return make_error(errc::bad_request, "embedder '" + std::string(text) + "': " + what);
}

} // namespace

expected<embedder_spec> parse_embedder_spec(std::string_view text) {
  auto starts = [&](std::string_view p) { return text.substr(0, p.size()) == p; };
  embedder_spec spec;
  if (text == "builtin") {
    spec.kind = "builtin";
    return spec;
  }
  if (starts("builtin:")) {
    const auto digits = text.substr(8);
    const bool numeric = !digits.empty() && digits.size() <= 5 &&
                         std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
    const auto dim = numeric ? std::stoul(std::string(digits)) : 0;
    if (dim < 16 || dim > 65536)
      return bad_spec(text, "the dimension '" + std::string(digits) +
                                "' must be a whole number from 16 to 65536");
    spec.kind = "builtin";
    spec.dimension = dim;
    return spec;
  }
  if (starts("command:")) {
    auto tmpl = text.substr(8);
    while (!tmpl.empty() && std::isspace(static_cast<unsigned char>(tmpl.front())))
      tmpl.remove_prefix(1);
    while (!tmpl.empty() && std::isspace(static_cast<unsigned char>(tmpl.back())))
      tmpl.remove_suffix(1);
    if (auto words = detail::command_argv(tmpl); !words)
      return bad_spec(text, words.error().message);
    spec.kind = "command";
    spec.target = std::string(tmpl);
    return spec;
  }
  if (text == "command")
    return bad_spec(text, "needs the program to run, e.g. command:python3 embed.py");
  if (text == "http")
    return bad_spec(text, "needs a URL, e.g. http://127.0.0.1:8080/v1/embeddings");
  if (starts("http:") || starts("https:")) {
    // "http://..." also starts with "http:": a plain URL is taken whole.
    const auto url = starts("http://") || starts("https://") ? text : text.substr(5);
    auto ep = detail::parse_endpoint(url);
    if (!ep) return bad_spec(text, ep.error().message);
    spec.kind = "http";
    spec.target = ep->url;
    return spec;
  }
  return bad_spec(text, std::string("unknown kind; ") + valid_forms);
}

} // namespace swarm::memory
