#include "actors/memory/embedder.hpp"

#include "src/hash.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

namespace swarm::memory {

namespace {

// Feature weights: a shared word (stem) counts most, a shared phrase adds to it, and
// shared word pieces make inflections and compounds ("reservation", "reservations",
// "reservation_table") close without making every word with an "ion" close.
constexpr float word_weight = 1.0f;
constexpr float bigram_weight = 0.6f;
constexpr float trigram_weight = 0.25f;

constexpr std::array<std::string_view, 24> stop_words = {
    "a",  "an", "and", "are", "as",   "at",  "be",   "by", "for", "from", "in",   "is",
    "it", "of", "on",  "or",  "that", "the", "this", "to", "was", "were", "will", "with"};

bool is_stop_word(std::string_view w) {
  return std::find(stop_words.begin(), stop_words.end(), w) != stop_words.end();
}

bool ends_with(const std::string& w, std::string_view suffix) {
  return w.size() >= suffix.size() &&
         w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A light English stemmer (plural and verb endings), so "conflicts", "conflicted" and
// "conflict" are one word feature; the trigrams still see the word as written.
std::string stem(std::string w) {
  if (w.size() > 4 && ends_with(w, "ies")) return w.substr(0, w.size() - 3) + "y";
  if (w.size() > 5 && ends_with(w, "ing")) return w.substr(0, w.size() - 3);
  if (w.size() > 4 && ends_with(w, "ed")) return w.substr(0, w.size() - 2);
  if (w.size() > 3 && ends_with(w, "es") && (ends_with(w, "sses") || ends_with(w, "xes")))
    return w.substr(0, w.size() - 2);
  if (w.size() > 3 && ends_with(w, "s") && !ends_with(w, "ss") && !ends_with(w, "us"))
    return w.substr(0, w.size() - 1);
  return w;
}

// A feature is its kind tag plus its text; the tag keeps a word and an equal trigram
// apart.
uint64_t feature(char kind, std::string_view text) {
  const char tag[2] = {kind, ':'};
  return fnv1a_64(text, fnv1a_64(std::string_view{tag, 2}));
}

} // namespace

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      word += static_cast<char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      word += static_cast<char>(c - 'A' + 'a');
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float sum = 0;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i)
    sum += a[i] * b[i];
  return sum;
}

builtin_embedder::builtin_embedder(size_t dimension)
    : dimension_(std::clamp<size_t>(dimension, 16, 65536)), name_("builtin-hash-v1") {}

expected<std::vector<float>> builtin_embedder::embed(std::string_view text) const {
  // Feature -> (occurrences, weight); repeated features count sublinearly.
  std::unordered_map<uint64_t, std::pair<uint32_t, float>> features;
  auto add = [&](uint64_t f, float weight) {
    auto& slot = features[f];
    slot.first += 1;
    slot.second = weight;
  };
  std::vector<std::string> words;
  for (auto& w : words_of(text))
    if (!is_stop_word(w)) words.push_back(std::move(w));
  std::vector<std::string> stems;
  stems.reserve(words.size());
  for (const auto& w : words)
    stems.push_back(stem(w));
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    add(feature('w', stems[i]), word_weight);
    if (i + 1 < words.size())
      add(feature('b', stems[i] + ' ' + stems[i + 1]), bigram_weight);
    if (w.size() >= 3) {
      const std::string padded = '^' + w + '$';
      for (size_t j = 0; j + 3 <= padded.size(); ++j)
        add(feature('t', std::string_view{padded}.substr(j, 3)), trigram_weight);
    }
  }
  std::vector<float> v(dimension_, 0.0f);
  for (const auto& [f, entry] : features) {
    const float weight =
        entry.second * (1.0f + std::log(static_cast<float>(entry.first)));
    const float sign = (f >> 63) != 0 ? -1.0f : 1.0f;
    v[static_cast<size_t>(f % dimension_)] += sign * weight;
  }
  float norm = 0;
  for (float x : v)
    norm += x * x;
  if (norm > 0) {
    const float inv = 1.0f / std::sqrt(norm);
    for (float& x : v)
      x *= inv;
  }
  return v;
}

} // namespace swarm::memory
