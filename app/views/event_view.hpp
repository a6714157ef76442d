#pragma once
// How the journal's events are shown: `lit system events` as docker events
// prints them (its line, its JSON, its --filter), and `lit events` as docker
// compose events does (the project's service containers only, compose's line
// and JSON). Times are in the local time zone, as both print them. Pure.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/views/list_filter.hpp"
#include "runtime/events/event.hpp"

namespace lit::app {

// docker events' line: "2026-12-05T17:00:00.123456789Z container start ID
// (image=busybox, name=web)", the attributes sorted by key.
std::string docker_event_line(const runtime::Event& event);

// docker's events.Message as `docker events --format json` prints it, in its
// field order (status, id and from for containers, as docker still sends them).
nlohmann::ordered_json docker_event_fields(const runtime::Event& event);

// --filter for events: container (a name or an id, or its start), event (an
// action; health_status, exec_create and exec_start match theirs with any
// status), label (KEY or KEY=VALUE), type, image. Throws naming the flag.
ListFilter parse_event_filters(const std::vector<std::string>& values);
bool event_matches(const ListFilter& filter, const runtime::Event& event);

// An event of a project's service container, as compose reports it.
struct ComposeEvent {
  int64_t time_ns = 0;
  std::string service, id, action;
  std::map<std::string, std::string> attributes;  // without the project's own labels
};

// The compose event of a journal event: a container event of `project` (not a
// one-off), of one of `services` (any when empty); nullopt for the others.
std::optional<ComposeEvent> compose_event(const runtime::Event& event, const std::string& project,
                                          const std::vector<std::string>& services);

// compose's line: "2026-12-05 17:00:00.123456 container start ID (image=busybox, name=shop-web-1)".
std::string compose_event_line(const ComposeEvent& event);

// compose --json: {"action","attributes","id","service","time","type"} in
// that order (Go's map order), time as RFC 3339 with nanoseconds.
std::string compose_event_json(const ComposeEvent& event);

}  // namespace lit::app
