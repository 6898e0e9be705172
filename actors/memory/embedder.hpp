#pragma once
// Text embeddings for the memory system. Plain C++ (no CAF); an embedder is immutable
// after construction, so any thread may use it.
//
// The built-in embedder works offline and out of the box: feature hashing of the
// text's words (lightly stemmed, stop words left out), word bigrams and character
// trigrams into a fixed dimension, with a
// hash-derived sign per feature (so collisions cancel instead of piling up), sublinear
// term weights, then L2 normalisation. Cosine similarity is then a dot product, and
// texts that share words, phrases or word pieces ("reservation" / "reservations")
// come out close. The hash is FNV-1a over the bytes: the same text gives the same
// vector on every machine and every run, so stored vectors stay valid.

#include <swarm/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::memory {

class embedder {
public:
  virtual ~embedder() = default;
  // Stored beside every vector: a vector is only comparable with vectors of the same
  // embedder name and dimension (a change of embedder means re-embedding).
  virtual const std::string& name() const = 0;
  virtual size_t dimension() const = 0;
  // A unit-length vector of dimension(); the zero vector for text without any word.
  virtual expected<std::vector<float>> embed(std::string_view text) const = 0;
};

class builtin_embedder final : public embedder {
public:
  // REQUIRES: 16 <= dimension <= 65536.
  explicit builtin_embedder(size_t dimension = 384);
  const std::string& name() const override { return name_; }
  size_t dimension() const override { return dimension_; }
  expected<std::vector<float>> embed(std::string_view text) const override;

private:
  size_t dimension_;
  std::string name_; // "builtin-hash-v1"; the dimension is stored separately
};

// The words of a text as the built-in embedder sees them: lower-cased ASCII letters
// and digits (bytes >= 0x80 are kept, so UTF-8 words stay whole); everything else
// separates words.
std::vector<std::string> words_of(std::string_view text);

// Dot product of two vectors of equal length (the cosine for unit vectors).
float dot(const std::vector<float>& a, const std::vector<float>& b);

} // namespace swarm::memory
