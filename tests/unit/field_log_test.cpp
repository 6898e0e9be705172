// field_log (src/json_fields.hpp): the names asked of one object by every reader on
// this thread, decoders included; the keys nobody asked for.
#include "src/json_fields.hpp"

#include <swarm/json.hpp>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace swarm;
using strings = std::vector<std::string>;

TEST_CASE("a field log records what every reader asked of its object", "[json]") {
  const auto v = boost::json::parse(
      R"({"id":"t1","title":"T","nested":{"inner":1},"stray":true,"typo":2})");
  field_log log{v};
  field_reader r{v};
  r.required_text("id");
  r.has("missing"); // asked for, though absent
  auto nested = r.within("nested");
  nested.integer("inner");         // a nested object's keys are not the log's
  (void)from_json<task_update>(v); // a decoder's reads count too
  CHECK(log.unread() == strings{"stray", "typo"});
  CHECK(log.asked() == strings{"description", "estimate", "files", "id", "missing",
                               "nested", "priority", "skills", "title"});
}

TEST_CASE("reads of another object, or with no log, are not recorded", "[json]") {
  const auto a = boost::json::parse(R"({"x":1})");
  const auto b = boost::json::parse(R"({"y":1})");
  {
    field_reader outside{a};
    outside.integer("x"); // no log lives yet
  }
  field_log log{a};
  field_reader other{b};
  other.integer("y");
  CHECK(log.unread() == strings{"x"});
  CHECK(log.asked().empty());
}
