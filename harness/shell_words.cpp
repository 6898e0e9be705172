#include "harness/shell_words.hpp"

#include <cstring>
#include <utility>

namespace swarm::harness {

namespace {

error split_error(const std::string& what, size_t index) {
  return make_error(errc::bad_request, "command template: " + what + " at column " +
                                           std::to_string(index + 1));
}

} // namespace

expected<std::vector<shell_word>> split_shell_words(std::string_view text) {
  std::vector<shell_word> words;
  shell_word cur;
  bool in_word = false; // true from a quote on, so '' makes an empty word
  auto put = [&](size_t i) {
    cur.text += text[i];
    cur.columns.push_back(i + 1);
    in_word = true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(cur));
      cur = shell_word{};
      in_word = false;
    } else if (c == '\'') {
      const auto close = text.find('\'', i + 1);
      if (close == std::string_view::npos)
        return split_error("unbalanced ' (no closing quote)", i);
      in_word = true;
      for (size_t k = i + 1; k < close; ++k)
        put(k);
      i = close;
    } else if (c == '"') {
      size_t k = i + 1;
      in_word = true;
      for (; k < text.size() && text[k] != '"'; ++k) {
        if (text[k] == '\\' && k + 1 < text.size() &&
            std::strchr("\"\\$`\n", text[k + 1]) != nullptr) {
          if (text[++k] != '\n') put(k);
        } else {
          put(k);
        }
      }
      if (k >= text.size()) return split_error("unbalanced \" (no closing quote)", i);
      i = k;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return split_error("trailing backslash", i);
      if (text[++i] != '\n') put(i); // backslash-newline joins lines: no word of its own
    } else {
      put(i);
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

} // namespace swarm::harness
