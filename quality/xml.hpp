#pragma once
// A small XML reader for the reports test runners write (JUnit XML): the whole document
// into a tree of elements. Plain C++, no state: any thread.
//
// Reads elements, attributes (single or double quoted), text, CDATA sections and the
// entities &lt; &gt; &amp; &quot; &apos; &#N; &#xH;. Skips the <?xml?> declaration and
// other processing instructions, comments, a DOCTYPE (its internal subset too; entities
// it declares are not expanded) and a UTF-8 byte order mark. Namespaces are not
// resolved: a name keeps its prefix ("x:testcase"). No validation beyond
// well-formedness; malformed input is an error naming line:col.

#include <swarm/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::quality {

struct xml_element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes; // in document order
  std::vector<xml_element> children;
  // The element's own character data (text and CDATA, entities expanded), its
  // children's left out.
  std::string text;
  uint32_t line = 0, column = 0; // of its '<', both from 1

  // The value of attribute `name`; nullptr when absent.
  const std::string* attribute(std::string_view name) const;
  // The first child named `name`; nullptr when none.
  const xml_element* child(std::string_view name) const;
};

// Elements nested deeper than this are refused: the tree is built recursively.
constexpr int xml_max_depth = 200;

// The root element of `text`. errc::bad_request for malformed input:
// "<source>:LINE:COL: <what was wrong>" (for example "junit.xml:12:5: </testsuite>
// closes <testcase> opened at 9:3").
expected<xml_element> parse_xml(std::string_view text, const std::string& source);

} // namespace swarm::quality
