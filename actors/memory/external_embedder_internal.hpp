#pragma once
// The pieces the external embedders share, internal to actors/memory/: the base class
// that checks and normalises vectors, the JSON forms an embedding may come in, endpoint
// URLs, and one maker per kind (command_embedder.cpp, http_embedder.cpp). The interface
// is external_embedder.hpp. Plain C++ (no CAF).

#include "actors/memory/external_embedder.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::memory::detail {

// At most `max` bytes of `text`, cut at a UTF-8 boundary ("..." marks the cut),
// trailing whitespace dropped.
std::string excerpt(std::string_view text, size_t max = 200);

// `message`, then "; stderr: " and the start of `err` when it holds anything.
std::string with_stderr(std::string message, std::string_view err);

// The embedding in a command's output or an endpoint's answer (the forms listed in
// external_embedder.hpp), as floats; not yet normalised. errc::io_error quoting the text.
expected<std::vector<float>> parse_vector(std::string_view text);

// An http(s) URL taken apart (errors say what is wrong, the caller says where); `url` is
// the endpoint actually posted to.
struct endpoint {
  std::string origin; // scheme://host[:port], what httplib::Client takes
  std::string path;   // from the first '/', query included
  std::string url;    // origin + path
};

// A base URL (no path, or one ending in /v1) means its embeddings endpoint.
expected<endpoint> parse_endpoint(std::string_view url);

// The argv of a command template (split like a shell would, without one).
// errc::bad_request "command template: ..." when it does not split or is empty.
expected<std::vector<std::string>> command_argv(std::string_view tmpl);

// Checks the dimension and normalises; the subclasses only fetch raw vectors. Immutable
// once make_embedder has set its dimension, so any thread may call embed().
class external_embedder : public embedder {
public:
  const std::string& name() const override { return name_; }
  size_t dimension() const override { return dimension_; }
  expected<std::vector<float>> embed(std::string_view text) const override;

  // embed() with errors not yet naming the embedder.
  expected<std::vector<float>> embed_unnamed(std::string_view text) const;

  // Called once, by make_embedder, before anyone else sees the embedder.
  void set_dimension(size_t d) { dimension_ = d; }

protected:
  explicit external_embedder(std::string name) : name_(std::move(name)) {}
  virtual expected<std::vector<float>> fetch(std::string_view text) const = 0;

private:
  std::string name_;
  size_t dimension_ = 0; // 0 only while probing
};

// The embedders, not yet probed. REQUIRES: spec.kind is theirs, timeout > 0.
expected<std::unique_ptr<external_embedder>>
make_command_embedder(const embedder_spec& spec, std::chrono::milliseconds timeout);
expected<std::unique_ptr<external_embedder>>
make_http_embedder(const embedder_spec& spec, std::chrono::milliseconds timeout);

} // namespace swarm::memory::detail
