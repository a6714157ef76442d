#pragma once
// One event of lit's event journal, as docker's events.Message holds it: what
// happened (type, action) to which object (id), when, and the object's
// attributes at that moment (a container's labels, image, name; a die's
// exitCode, a kill's signal). The attributes carry everything a reader
// filters on (lit.project, lit.service), so no state file is needed to read
// an event, even after its container is gone.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lit::runtime {

struct Event {
  int64_t time_ns = 0;  // CLOCK_REALTIME, when it happened
  std::string type;     // "container", "network"
  std::string action;   // "create", "start", "die", "health_status: healthy"...
  std::string id;       // the container's (or network's) id
  std::map<std::string, std::string> attributes;
};

// One line of the journal (no newline): a JSON object. Invalid UTF-8 in a
// label is replaced, never a reason to lose the event.
std::string encode_event(const Event& event);

// The event of a journal line; nullopt for a line that is not one (torn by a
// crash mid-write, or from a newer lit with another shape).
std::optional<Event> decode_event(std::string_view line);

}  // namespace lit::runtime
