#include "src/utf8.hpp"

namespace swarm {

namespace {

// How many bytes the UTF-8 sequence starting with `lead` takes; 0 for a byte that
// cannot start one.
size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool valid_sequence(const std::string& s, size_t i, size_t n) {
  if (i + n > s.size()) return false;
  const auto b1 = static_cast<unsigned char>(s[i + (n > 1 ? 1 : 0)]);
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
  const auto lead = static_cast<unsigned char>(s[i]);
  // Overlong forms, surrogates and code points past U+10FFFF.
  if (lead == 0xE0 && b1 < 0xA0) return false;
  if (lead == 0xED && b1 > 0x9F) return false;
  if (lead == 0xF0 && b1 < 0x90) return false;
  if (lead == 0xF4 && b1 > 0x8F) return false;
  return true;
}

bool all_valid(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequence_length(static_cast<unsigned char>(s[i]));
    if (n == 0 || !valid_sequence(s, i, n)) return false;
    i += n;
  }
  return true;
}

} // namespace

void repair_utf8(std::string& text) {
  if (!all_valid(text)) text = valid_utf8(text);
}

std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  // The cut may have fallen inside a sequence: its continuation bytes go.
  while (i < text.size() && i < 3 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
    ++i;
  while (i < text.size()) {
    const size_t n = sequence_length(static_cast<unsigned char>(text[i]));
    if (n != 0 && valid_sequence(text, i, n)) {
      out.append(text, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

} // namespace swarm
