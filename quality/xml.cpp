#include "quality/xml.hpp"

#include <algorithm>
#include <optional>
#include <tuple>

namespace swarm::quality {

const std::string* xml_element::attribute(std::string_view want) const {
  for (const auto& [key, value] : attributes)
    if (key == want) return &value;
  return nullptr;
}

const xml_element* xml_element::child(std::string_view want) const {
  for (const auto& c : children)
    if (c.name == want) return &c;
  return nullptr;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_char(char c) {
  return !is_space(c) && c != '<' && c != '>' && c != '/' && c != '=' && c != '"' &&
         c != '\'' && c != '&' && c != '\0';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// One parse: a cursor over the text; the first problem ends it.
class reader {
public:
  reader(std::string_view text, const std::string& source) : s_(text), source_(source) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < s_.size(); ++i)
      if (s_[i] == '\n') line_starts_.push_back(i + 1);
  }

  expected<xml_element> document() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") at_ = 3;
    if (!misc(true)) return *problem_;
    if (at_ >= s_.size())
      return fail_at(at_, "no root element: the file is empty or holds only a prolog");
    if (s_[at_] != '<') return fail_at(at_, "text before the root element");
    xml_element root;
    if (!element(root, 1)) return *problem_;
    if (!misc(false)) return *problem_;
    if (at_ < s_.size())
      return fail_at(at_, "more after the root element </" + root.name +
                              "> (a document has one root)");
    return root;
  }

private:
  std::pair<uint32_t, uint32_t> position(size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const auto line = static_cast<size_t>(it - line_starts_.begin());
    return {static_cast<uint32_t>(line),
            static_cast<uint32_t>(offset - line_starts_[line - 1] + 1)};
  }
  std::string where(size_t offset) const {
    auto [line, col] = position(offset);
    return std::to_string(line) + ":" + std::to_string(col);
  }
  error fail_at(size_t offset, const std::string& what) {
    if (!problem_)
      problem_ =
          make_error(errc::bad_request, source_ + ":" + where(offset) + ": " + what);
    return *problem_;
  }
  bool failed(size_t offset, const std::string& what) {
    fail_at(offset, what);
    return false;
  }

  bool starts(std::string_view p) const { return s_.substr(at_, p.size()) == p; }
  void skip_space() {
    while (at_ < s_.size() && is_space(s_[at_]))
      ++at_;
  }
  // Moves past the next `end`; false (a problem naming `what`) when there is none.
  bool skip_past(std::string_view end, const char* what) {
    const size_t from = at_;
    const auto found = s_.find(end, at_);
    if (found == s_.npos)
      return failed(from, std::string{what} + " is never closed with '" +
                              std::string{end} + "'");
    at_ = found + end.size();
    return true;
  }
  bool skip_doctype() {
    const size_t from = at_;
    int brackets = 0;
    char quote = 0;
    for (; at_ < s_.size(); ++at_) {
      const char c = s_[at_];
      if (quote == 0 && starts("<!--")) {
        if (!skip_past("-->", "<!-- comment")) return false;
        --at_; // the loop steps past the comment's '>'
        continue;
      }
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']') {
        --brackets;
      } else if (c == '>' && brackets <= 0) {
        ++at_;
        return true;
      }
    }
    return failed(from, "<!DOCTYPE is never closed with '>'");
  }
  // Whitespace, comments and processing instructions (and before the root, a DOCTYPE).
  bool misc(bool prolog) {
    for (;;) {
      skip_space();
      if (starts("<?")) {
        if (!skip_past("?>", "<?")) return false;
      } else if (starts("<!--")) {
        if (!skip_past("-->", "<!-- comment")) return false;
      } else if (prolog && starts("<!DOCTYPE")) {
        if (!skip_doctype()) return false;
      } else {
        return true;
      }
    }
  }

  std::string name() {
    const size_t from = at_;
    while (at_ < s_.size() && is_name_char(s_[at_]))
      ++at_;
    return std::string{s_.substr(from, at_ - from)};
  }

  // Appends `raw` to `out` with its entities expanded; `offset` is where raw starts.
  bool expand(std::string_view raw, size_t offset, std::string& out) {
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const auto semi = raw.find(';', i);
      if (semi == raw.npos || semi - i > 12)
        return failed(offset + i, "'&' starts no entity: write a literal & as &amp;");
      const auto entity = raw.substr(i + 1, semi - i - 1);
      if (entity == "lt")
        out += '<';
      else if (entity == "gt")
        out += '>';
      else if (entity == "amp")
        out += '&';
      else if (entity == "quot")
        out += '"';
      else if (entity == "apos")
        out += '\'';
      else if (!entity.empty() && entity[0] == '#') {
        const bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
        const auto digits = entity.substr(hex ? 2 : 1);
        uint32_t cp = 0;
        bool ok = !digits.empty() && digits.size() <= 8;
        for (char c : digits) {
          int d = -1;
          if (c >= '0' && c <= '9')
            d = c - '0';
          else if (hex && c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
          else if (hex && c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
          if (d < 0)
            ok = false;
          else
            cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        }
        if (!ok || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
          return failed(offset + i, "'&" + std::string{entity} +
                                        ";' is not a valid character reference");
        append_utf8(out, cp);
      } else {
        return failed(offset + i, "unknown entity '&" + std::string{entity} +
                                      ";' (XML knows &lt; &gt; &amp; &quot; &apos; "
                                      "and &#N;)");
      }
      i = semi;
    }
    return true;
  }

  bool attributes(xml_element& e) {
    for (;;) {
      const size_t before = at_;
      skip_space();
      if (at_ >= s_.size())
        return failed(before, "<" + e.name + " is never closed with '>'");
      if (s_[at_] == '>' || starts("/>")) return true;
      if (at_ == before) return failed(at_, "expected whitespace before an attribute");
      const size_t name_at = at_;
      auto key = name();
      if (key.empty())
        return failed(at_,
                      std::string{"unexpected '"} + s_[at_] + "' in <" + e.name + ">");
      skip_space();
      if (at_ >= s_.size() || s_[at_] != '=')
        return failed(at_,
                      "attribute '" + key + "' has no value (write " + key + "=\"...\")");
      ++at_;
      skip_space();
      if (at_ >= s_.size() || (s_[at_] != '"' && s_[at_] != '\''))
        return failed(at_, "the value of attribute '" + key + "' must be quoted");
      const char quote = s_[at_++];
      const auto end = s_.find(quote, at_);
      if (end == s_.npos)
        return failed(name_at, "the value of attribute '" + key + "' is never closed");
      const auto raw = s_.substr(at_, end - at_);
      if (const auto lt = raw.find('<'); lt != raw.npos)
        return failed(at_ + lt,
                      "'<' inside the value of attribute '" + key + "' (write &lt;)");
      std::string value;
      if (!expand(raw, at_, value)) return false;
      at_ = end + 1;
      if (e.attribute(key) != nullptr)
        return failed(name_at,
                      "attribute '" + key + "' appears twice in <" + e.name + ">");
      e.attributes.emplace_back(std::move(key), std::move(value));
    }
  }

  // At '<' of a start tag: the element and everything inside it.
  bool element(xml_element& e, int depth) {
    const size_t open_at = at_;
    std::tie(e.line, e.column) = position(open_at);
    ++at_;
    e.name = name();
    if (e.name.empty()) return failed(at_, "expected an element name after '<'");
    if (depth > xml_max_depth)
      return failed(open_at, "elements nested deeper than " +
                                 std::to_string(xml_max_depth) + " levels");
    if (!attributes(e)) return false;
    if (starts("/>")) {
      at_ += 2;
      return true;
    }
    ++at_; // '>'
    for (;;) {
      if (at_ >= s_.size())
        return failed(open_at, "<" + e.name + "> is never closed (no </" + e.name + ">)");
      if (starts("</")) {
        const size_t close_at = at_;
        at_ += 2;
        auto closing = name();
        skip_space();
        if (closing != e.name)
          return failed(close_at, "</" + closing + "> closes <" + e.name +
                                      "> opened at " + where(open_at));
        if (at_ >= s_.size() || s_[at_] != '>')
          return failed(at_, "expected '>' to end </" + closing + ">");
        ++at_;
        return true;
      }
      if (starts("<!--")) {
        if (!skip_past("-->", "<!-- comment")) return false;
      } else if (starts("<![CDATA[")) {
        const size_t from = at_;
        at_ += 9;
        const auto end = s_.find("]]>", at_);
        if (end == s_.npos) return failed(from, "<![CDATA[ is never closed with ']]>'");
        e.text.append(s_.substr(at_, end - at_));
        at_ = end + 3;
      } else if (starts("<?")) {
        if (!skip_past("?>", "<?")) return false;
      } else if (starts("<!")) {
        return failed(at_, "unexpected '<!' inside <" + e.name + ">");
      } else if (s_[at_] == '<') {
        e.children.emplace_back();
        if (!element(e.children.back(), depth + 1)) return false;
      } else {
        const auto end = std::min(s_.find('<', at_), s_.size());
        if (!expand(s_.substr(at_, end - at_), at_, e.text)) return false;
        at_ = end;
      }
    }
  }

  std::string_view s_;
  const std::string& source_;
  std::vector<size_t> line_starts_;
  size_t at_ = 0;
  std::optional<error> problem_;
};

} // namespace

expected<xml_element> parse_xml(std::string_view text, const std::string& source) {
  return reader{text, source}.document();
}

} // namespace swarm::quality
