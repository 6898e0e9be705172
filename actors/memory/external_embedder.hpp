#pragma once
// Embedders chosen by a spec string: the built-in one, any program ("command:"), or an
// OpenAI-compatible HTTP endpoint. Plain C++ (no CAF).
//
// Threads: like every embedder, the result of make_embedder is immutable (the dimension
// is probed once, inside make_embedder), so any thread may call embed(), and concurrent
// calls run independently — one process or one HTTP connection each. An external embed()
// blocks its caller for up to timeout_ms: call it off the CAF scheduler threads. A
// command embedder owns a harness::process_runner (one I/O thread) that starts, feeds,
// reads and reaps its processes.
//
// Invariants of the external embedders: every vector has dimension() entries (a vector
// of another length is an error, never stored) and is L2-normalised (a zero vector stays
// zero), so cosine similarity is a dot product as with the built-in embedder.
//
// What an external embedder must print (a command, on stdout) or answer (HTTP, with
// status 200) is one JSON value, any of:
//   [0.1, -0.2, ...]                         a bare array of numbers
//   {"embedding": [0.1, ...]}                Ollama's /api/embeddings
//   {"embeddings": [[0.1, ...]]}             Ollama's /api/embed (the first vector)
//   {"data": [{"embedding": [0.1, ...]}]}    OpenAI and compatible servers

#include "actors/memory/embedder.hpp"

#include <swarm/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace swarm::memory {

struct embedder_spec {
  // "builtin" | "command" | "http".
  std::string kind;
  // command: the template as written (split like a shell would, without one);
  // http: the full endpoint URL (parse_embedder_spec resolves a base URL, see there).
  std::string target;
  // http: sent as "model" (left out when empty); part of name(). Ignored otherwise.
  std::string model;
  // builtin: the dimension (0 = 384). command and http: 0 takes what the first
  // embedding gives; otherwise make_embedder refuses an embedder that gives another.
  size_t dimension = 0;
  // http: the environment variable holding the API key, sent as "Authorization: Bearer
  // KEY". Empty: SWARM_EMBEDDER_API_KEY, else OPENAI_API_KEY. A variable that is not set
  // (or empty) means no Authorization header, as local servers want. Read once, in
  // make_embedder.
  std::string api_key_env;
  // command: the whole run, after which the process group is SIGKILLed; http: each of
  // connect, send and receive. REQUIRES: > 0 (make_embedder refuses anything else).
  int64_t timeout_ms = 30000;
};

// Parses an embedder spec; model, api_key_env and timeout_ms are left for the caller.
//   builtin                  the built-in feature-hashing embedder, dimension 384
//   builtin:<dimension>      the same with 16..65536 dimensions
//   command:<template>       a program: argv split from the template with POSIX shell
//                            quoting ('...', "...", backslash) but no shell and no
//                            expansion; each text goes to its stdin, one run per text
//   http:<url>, http://..., https://...
//                            an OpenAI-compatible embeddings endpoint. The URL is the
//                            full endpoint, with two conveniences for base URLs: no path
//                            becomes /v1/embeddings, a path ending in /v1 gets
//                            /embeddings appended (https://api.openai.com/v1 works).
// errc::bad_request naming the bad part and the valid forms otherwise.
expected<embedder_spec> parse_embedder_spec(std::string_view text);

// Makes the embedder. Command and http embedders are probed with the text "dimension
// probe", so a broken command or unreachable server fails here, not at the first memory
// write, and dimension() is known at once. Names, stored beside every vector:
//   builtin-hash-v1, command:<template>, http:<url>#<model>.
// errc::bad_request for a bad spec (unknown kind, bad template or URL, timeout_ms <= 0),
// errc::refused for a dimension out of range or other than spec.dimension, and the
// probe's own error (io_error, timeout) prefixed with the embedder's name.
expected<std::unique_ptr<embedder>> make_embedder(const embedder_spec& spec);

} // namespace swarm::memory
