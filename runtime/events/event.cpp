#include "runtime/events/event.hpp"

#include <nlohmann/json.hpp>

namespace lit::runtime {

std::string encode_event(const Event& event) {
  nlohmann::json j = {{"time", event.time_ns},
                      {"type", event.type},
                      {"action", event.action},
                      {"id", event.id},
                      {"attributes", event.attributes}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Event> decode_event(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    Event e;
    e.time_ns = j.at("time").get<int64_t>();
    e.type = j.at("type").get<std::string>();
    e.action = j.at("action").get<std::string>();
    e.id = j.at("id").get<std::string>();
    if (auto a = j.find("attributes"); a != j.end() && !a->is_null())
      e.attributes = a->get<std::map<std::string, std::string>>();
    return e;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace lit::runtime
