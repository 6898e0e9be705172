// The small XML reader of quality/xml.hpp: what it reads, what it skips, and where it
// says malformed input goes wrong.
#include "quality/xml.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace swarm;
using namespace swarm::quality;

namespace {

std::string problem(const std::string& text) {
  auto doc = parse_xml(text, "r.xml");
  REQUIRE_FALSE(doc.has_value());
  CHECK(doc.error().code == errc::bad_request);
  return doc.error().message;
}

} // namespace

TEST_CASE("quality xml: elements, attributes, text, CDATA and entities",
          "[quality][xml]") {
  const std::string text =
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE suites [ <!ENTITY x \"y\"> <!-- ] --> ]>\n"
      "<!-- a comment before the root -->\n"
      "<suites n='2' title=\"a &lt; b &amp;&amp; &quot;c&quot;\">\n"
      "  <case name=\"one\"/>\n"
      "  <?processing instruction?>\n"
      "  <case name=\"two\">x &#65;&#x42; &#233;<![CDATA[<raw> & ]]>y"
      "<!-- skipped --><inner/>z</case>\n"
      "</suites>\n"
      "<!-- a comment after it -->\n";
  auto doc = parse_xml(text, "r.xml");
  REQUIRE(doc.has_value());
  CHECK(doc->name == "suites");
  CHECK(doc->line == 4);
  CHECK(doc->column == 1);
  REQUIRE(doc->attribute("n") != nullptr);
  CHECK(*doc->attribute("n") == "2");
  CHECK(*doc->attribute("title") == "a < b && \"c\"");
  CHECK(doc->attribute("missing") == nullptr);
  REQUIRE(doc->children.size() == 2);
  CHECK(*doc->children[0].attribute("name") == "one");
  CHECK(doc->children[0].children.empty());
  const auto& two = doc->children[1];
  CHECK(two.line == 7);
  CHECK(two.column == 3);
  CHECK(two.text == "x AB \xC3\xA9<raw> & yz");
  REQUIRE(two.child("inner") != nullptr);
  CHECK(two.child("case") == nullptr);
}

TEST_CASE("quality xml: malformed input names line:col and what to write",
          "[quality][xml]") {
  CHECK(problem("<a>\n<b>\n</a>") == "r.xml:3:1: </a> closes <b> opened at 2:1");
  CHECK(problem("<a>\n  <b>text") == "r.xml:2:3: <b> is never closed (no </b>)");
  CHECK(problem("<a>&nbsp;</a>") ==
        "r.xml:1:4: unknown entity '&nbsp;' (XML knows &lt; &gt; &amp; &quot; &apos; "
        "and &#N;)");
  CHECK(problem("<a>fish & chips</a>") ==
        "r.xml:1:9: '&' starts no entity: write a literal & as &amp;");
  CHECK(problem("<a>&#xD800;</a>") ==
        "r.xml:1:4: '&#xD800;' is not a valid character reference");
  CHECK(problem("<a x=1/>") == "r.xml:1:6: the value of attribute 'x' must be quoted");
  CHECK(problem("<a x='1' x='2'/>") == "r.xml:1:10: attribute 'x' appears twice in <a>");
  CHECK(problem("<a x='1 < 2'/>") ==
        "r.xml:1:9: '<' inside the value of attribute 'x' (write &lt;)");
  CHECK(problem("<a x/>") == "r.xml:1:5: attribute 'x' has no value (write x=\"...\")");
  CHECK(problem("<a/>\n<b/>") ==
        "r.xml:2:1: more after the root element </a> (a document has one root)");
  CHECK(problem("") ==
        "r.xml:1:1: no root element: the file is empty or holds only a prolog");
  CHECK(problem("<?xml version='1.0'?>\n  ") ==
        "r.xml:2:3: no root element: the file is empty or holds only a prolog");
  CHECK(problem("junk<a/>") == "r.xml:1:1: text before the root element");
  CHECK(problem("<a><!-- open") == "r.xml:1:4: <!-- comment is never closed with '-->'");
  CHECK(problem("<a><![CDATA[x</a>") ==
        "r.xml:1:4: <![CDATA[ is never closed with ']]>'");
  CHECK(problem("<a>< b/></a>") == "r.xml:1:5: expected an element name after '<'");
  CHECK(problem("<a></a x>") == "r.xml:1:8: expected '>' to end </a>");
}

TEST_CASE("quality xml: nesting deeper than the limit is refused, not a crash",
          "[quality][xml]") {
  std::string deep;
  for (int i = 0; i < xml_max_depth + 1; ++i)
    deep += "<d>";
  CHECK(problem(deep).find("elements nested deeper than 200 levels") !=
        std::string::npos);
  std::string ok;
  for (int i = 0; i < xml_max_depth; ++i)
    ok += "<d>";
  for (int i = 0; i < xml_max_depth; ++i)
    ok += "</d>";
  CHECK(parse_xml(ok, "ok.xml").has_value());
}
