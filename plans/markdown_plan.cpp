// Markdown plans, parsed with cmark. Headings and (nested) list items are tasks:
// a heading is the child of the nearest heading above it of a lower level, a list
// item the child of the heading it sits under (until the next heading) or of the
// item it is nested in. Text before the first heading or list item is ignored (but
// an annotation there is an error: it belongs to no task).
//
//   ## JWT Setup                      <- task "JWT Setup"
//   depends: Storage                  <- annotation of the heading's task
//   Tokens are signed with Ed25519.   <- description of the heading's task
//   - [ ] Token generation            <- child task; a checkbox is dropped
//     priority: P1                    <- annotations: "key: value" lines
//     skills: crypto, cpp
//     Rotate keys monthly.            <- description
//     - depends: Key store            <- a sub-item made only of "key: value"
//                                        lines annotates its item, it is no task
//
// Title: the first line of a heading or item, inline code and emphasis as plain text.
// Every other line of a paragraph directly in a heading's section or in an item (the
// item's later paragraphs too) is an annotation when it reads "key: value" with one
// of these keys (any case), and description otherwise:
//   depends:  titles or ids, comma-separated ("quote, if a title has commas");
//             the key may repeat
//   skills:   comma-separated; lowercased, duplicates dropped
//   priority: P0..P4 (P0 most urgent; "p1" and "1" work too); default P2
//   files:    comma-separated globs ("src/{a,b}.cpp" keeps its comma)
//   estimate: 30m, 2h, 1h30m, 1.5h, 1d (a working day: 8h) or 90 (minutes)
// Code blocks, quotes and further paragraphs are kept in the description as written.
//
// cmark finds the blocks and their lines; annotation values and the description are
// taken from the source lines themselves, because rendering inlines would eat the
// '*' of "files: src/*.cpp, src/*.hpp" as emphasis.

#include "plans/plan_builder.hpp"

#include <cmark.h>

#include <algorithm>
#include <memory>

namespace swarm::plans {

namespace {

using detail::raw_plan;
using detail::trim;

constexpr int32_t no_task = -1;

uint32_t start_line(cmark_node* n) {
  return static_cast<uint32_t>(std::max(cmark_node_get_start_line(n), 0));
}

bool inside_quote(cmark_node* n) {
  for (n = cmark_node_parent(n); n; n = cmark_node_parent(n))
    if (cmark_node_get_type(n) == CMARK_NODE_BLOCK_QUOTE) return true;
  return false;
}

// Inline content as plain text: code and emphasis lose their markers. Stops at the
// first line break when `first_line` is set.
bool plain_text(cmark_node* n, std::string& out, bool first_line) {
  for (cmark_node* c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
    switch (cmark_node_get_type(c)) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
    case CMARK_NODE_HTML_INLINE:
      out += cmark_node_get_literal(c);
      break;
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
      if (first_line) return false;
      out += ' ';
      break;
    default:
      if (!plain_text(c, out, first_line)) return false;
    }
  }
  return true;
}

// A title without a leading task-list checkbox ("[ ]", "[x]").
std::string strip_checkbox(std::string title) {
  std::string_view t = trim(title);
  if (t.size() >= 3 && t[0] == '[' && (t[1] == ' ' || t[1] == 'x' || t[1] == 'X') &&
      t[2] == ']' && (t.size() == 3 || t[3] == ' ' || t[3] == '\t'))
    t.remove_prefix(3);
  return std::string(trim(t));
}

class markdown_reader {
public:
  markdown_reader(std::string_view text, raw_plan& out) : text_(text), out_(out) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  void read(cmark_node* document) {
    std::vector<std::pair<int, int32_t>> headings; // (level, task), innermost last
    auto current = [&] { return headings.empty() ? no_task : headings.back().second; };
    for (cmark_node* b = cmark_node_first_child(document); b; b = cmark_node_next(b)) {
      switch (cmark_node_get_type(b)) {
      case CMARK_NODE_HEADING: {
        int level = cmark_node_get_heading_level(b);
        while (!headings.empty() && headings.back().first >= level)
          headings.pop_back();
        std::string title;
        plain_text(b, title, false);
        headings.emplace_back(level, new_task(current(), title, start_line(b),
                                              "a heading", "after the #s"));
        break;
      }
      case CMARK_NODE_PARAGRAPH:
        read_text(current(), b, 0);
        break;
      case CMARK_NODE_LIST:
        for (cmark_node* item = cmark_node_first_child(b); item;
             item = cmark_node_next(item))
          read_item(item, current());
        break;
      case CMARK_NODE_THEMATIC_BREAK:
        break;
      default:
        if (current() != no_task) add_description(current(), block_source(b));
      }
    }
  }

private:
  std::string_view line_text(uint32_t line) const {
    if (line == 0 || line > line_starts_.size()) return {};
    size_t begin = line_starts_[line - 1];
    size_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
    std::string_view s = text_.substr(begin, end - begin);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
      s.remove_suffix(1);
    return s;
  }

  // cmark 0.30 leaves some blocks that end the document (an HTML block) with an end
  // before their start; such a block runs to where the next block starts.
  uint32_t end_line(cmark_node* block) const {
    uint32_t first = start_line(block);
    auto last = static_cast<uint32_t>(std::max(cmark_node_get_end_line(block), 0));
    if (last >= first) return last;
    for (cmark_node* n = block; n; n = cmark_node_parent(n))
      if (cmark_node* next = cmark_node_next(n))
        return std::max(first, start_line(next) - 1);
    return std::max(first, static_cast<uint32_t>(line_starts_.size()));
  }

  // The source lines of a paragraph: the first from where the paragraph starts (after
  // any list marker), the others without indentation or block-quote markers.
  std::vector<std::string_view> block_lines(cmark_node* block) const {
    std::vector<std::string_view> lines;
    uint32_t first = start_line(block);
    uint32_t last = end_line(block);
    bool quoted = inside_quote(block);
    for (uint32_t l = first; l <= last && l > 0; ++l) {
      std::string_view s = line_text(l);
      if (l == first) {
        auto column =
            static_cast<size_t>(std::max(cmark_node_get_start_column(block), 1));
        s.remove_prefix(std::min(column - 1, s.size()));
      }
      s = trim(s);
      while (quoted && !s.empty() && s.front() == '>')
        s = trim(s.substr(1));
      lines.push_back(s);
    }
    return lines;
  }

  // A block's source, common indentation removed: faithful Markdown for descriptions.
  std::string block_source(cmark_node* block) const {
    uint32_t first = start_line(block);
    uint32_t last = end_line(block);
    size_t indent = std::string_view::npos;
    for (uint32_t l = first; l <= last && l > 0; ++l) {
      std::string_view s = line_text(l);
      size_t lead = s.find_first_not_of(" \t");
      if (lead != std::string_view::npos) indent = std::min(indent, lead);
    }
    std::string out;
    for (uint32_t l = first; l <= last && l > 0; ++l) {
      std::string_view s = line_text(l);
      if (l > first) out += '\n';
      out += s.substr(std::min(indent, s.size()));
    }
    return std::string(trim(out));
  }

  int32_t new_task(int32_t parent, const std::string& title, uint32_t line,
                   const char* what, const char* where_title_goes) {
    auto index = static_cast<int32_t>(out_.tasks.size());
    detail::raw_task t;
    t.title = strip_checkbox(title);
    t.parent = parent;
    t.position =
        parent == no_task ? root_count_++ : child_count_[static_cast<size_t>(parent)]++;
    t.line = line;
    if (t.title.empty())
      out_.problems.add(line, out_.source + ":" + std::to_string(line) + ": " + what +
                                  " has no title — write the task's title " +
                                  where_title_goes);
    out_.tasks.push_back(std::move(t));
    child_count_.push_back(0);
    return index;
  }

  void add_description(int32_t task, std::string_view text) {
    text = trim(text);
    if (text.empty()) return;
    auto& d = out_.tasks[static_cast<size_t>(task)].description;
    if (!d.empty()) d += "\n\n";
    d += text;
  }

  // A paragraph's lines from `from` on: annotations of `task`, or its description.
  void read_text(int32_t task, cmark_node* paragraph, size_t from) {
    auto lines = block_lines(paragraph);
    uint32_t first = start_line(paragraph);
    std::string description;
    for (size_t k = from; k < lines.size(); ++k) {
      auto line = first + static_cast<uint32_t>(k);
      if (auto a = detail::split_annotation_line(lines[k])) {
        if (task == no_task)
          out_.problems.add(line, out_.source + ":" + std::to_string(line) + ": " +
                                      to_string(a->first) +
                                      ": comes before the first heading or list item, "
                                      "so it belongs to no task — move it under the "
                                      "task it is for");
        else
          detail::apply_annotation(out_, static_cast<size_t>(task), a->first, a->second,
                                   line);
      } else if (task != no_task) {
        description += (description.empty() ? "" : "\n") + std::string(lines[k]);
      }
    }
    if (task != no_task) add_description(task, description);
  }

  // An item made only of "key: value" lines annotates the task it sits in.
  bool is_annotation_item(cmark_node* item) const {
    cmark_node* p = cmark_node_first_child(item);
    if (!p || cmark_node_next(p) || cmark_node_get_type(p) != CMARK_NODE_PARAGRAPH)
      return false;
    for (auto line : block_lines(p))
      if (!detail::split_annotation_line(line)) return false;
    return true;
  }

  void read_item(cmark_node* item, int32_t parent) {
    if (is_annotation_item(item)) {
      read_text(parent, cmark_node_first_child(item), 0);
      return;
    }
    cmark_node* first = cmark_node_first_child(item);
    auto first_type = first ? cmark_node_get_type(first) : CMARK_NODE_NONE;
    bool titled = first_type == CMARK_NODE_PARAGRAPH || first_type == CMARK_NODE_HEADING;
    std::string title;
    if (titled) plain_text(first, title, first_type == CMARK_NODE_PARAGRAPH);
    int32_t task = new_task(parent, title, start_line(item), "a list item",
                            "on the item's first line");
    for (cmark_node* c = first; c; c = cmark_node_next(c)) {
      auto type = cmark_node_get_type(c);
      if (c == first && titled) {
        if (type == CMARK_NODE_PARAGRAPH) read_text(task, c, 1);
      } else if (type == CMARK_NODE_PARAGRAPH) {
        read_text(task, c, 0);
      } else if (type == CMARK_NODE_LIST) {
        for (cmark_node* sub = cmark_node_first_child(c); sub; sub = cmark_node_next(sub))
          read_item(sub, task);
      } else {
        add_description(task, block_source(c));
      }
    }
  }

  std::string_view text_;
  raw_plan& out_;
  std::vector<size_t> line_starts_;   // offset of each line's first byte
  std::vector<uint32_t> child_count_; // per task: children read so far
  uint32_t root_count_ = 0;
};

} // namespace

expected<plan> parse_markdown(std::string_view text, std::string_view source,
                              const load_options& opts) {
  try {
    raw_plan raw;
    raw.syntax = detail::plan_syntax::markdown;
    raw.source = std::string(source);
    raw.prefix = opts.prefix;
    raw.max_depth = opts.max_depth;
    text = detail::strip_bom(text);
    std::unique_ptr<cmark_node, void (*)(cmark_node*)> doc(
        cmark_parse_document(text.data(), text.size(), CMARK_OPT_DEFAULT),
        cmark_node_free);
    if (!doc)
      return make_error(errc::internal, raw.source + ": cmark could not parse the text");
    markdown_reader(text, raw).read(doc.get());
    return detail::build_plan(std::move(raw));
  } catch (const std::exception& e) {
    return make_error(errc::internal,
                      std::string(source) + ": loading the plan failed: " + e.what());
  }
}

} // namespace swarm::plans
