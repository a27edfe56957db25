#include "toml_support.h"

namespace coco::trustee {

std::string_view toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

Result<toml::table> parse_toml_document(std::string_view text, std::string_view what,
                                        const char* error_code) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return make_error(error_code, std::string(what) + " is not valid TOML at line " + std::to_string(b.line) +
                                      ", column " + std::to_string(b.column) + ": " +
                                      std::string(e.description()));
  } catch (const std::exception& e) {
    return make_error(error_code, std::string(what) + " could not be parsed: " + e.what());
  }
}

}  // namespace coco::trustee
