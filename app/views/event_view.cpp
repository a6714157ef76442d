#include "app/views/event_view.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>

#include "reconciler/labels.hpp"
#include "runtime/util/error.hpp"

namespace lit::app {

namespace {

struct LocalTime {
  tm fields{};
  int64_t nanos = 0;
};

LocalTime local_time(int64_t time_ns) {
  LocalTime t;
  time_t secs = static_cast<time_t>(time_ns / 1'000'000'000);
  t.nanos = time_ns % 1'000'000'000;
  if (t.nanos < 0) {
    t.nanos += 1'000'000'000;
    --secs;
  }
  ::localtime_r(&secs, &t.fields);
  return t;
}

// "2026-12-05T17:00:00"
std::string date_time(const tm& f, char between) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d%c%02d:%02d:%02d", f.tm_year + 1900, f.tm_mon + 1,
                f.tm_mday, between, f.tm_hour, f.tm_min, f.tm_sec);
  return buf;
}

// Go's "Z07:00": Z for UTC, else "+01:00".
std::string zone(const tm& f) {
  long off = f.tm_gmtoff;
  if (off == 0) return "Z";
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, off / 3600 % 100, off / 60 % 60);
  return buf;
}

std::string fraction(int64_t nanos, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(nanos));
  return std::string(buf, static_cast<size_t>(digits));
}

// Go's RFC3339Nano: the fraction without its trailing zeros (none when zero).
std::string rfc3339_nano(int64_t time_ns) {
  LocalTime t = local_time(time_ns);
  std::string frac = fraction(t.nanos, 9);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return date_time(t.fields, 'T') + (frac.empty() ? "" : "." + frac) + zone(t.fields);
}

// " (k=v, k=v)", sorted by key; "" without attributes.
std::string attribute_list(const std::map<std::string, std::string>& attributes) {
  if (attributes.empty()) return "";
  std::string out = " (";
  for (const auto& [k, v] : attributes) out += (out.size() > 2 ? ", " : "") + k + "=" + v;
  return out + ")";
}

bool is_project_label(const std::string& key) { return key.starts_with("lit."); }

std::string attribute(const runtime::Event& e, const char* key) {
  auto it = e.attributes.find(key);
  return it == e.attributes.end() ? "" : it->second;
}

}  // namespace

std::string docker_event_line(const runtime::Event& event) {
  LocalTime t = local_time(event.time_ns);
  return date_time(t.fields, 'T') + "." + fraction(t.nanos, 9) + zone(t.fields) + " " + event.type +
         " " + event.action + " " + event.id + attribute_list(event.attributes);
}

nlohmann::ordered_json docker_event_fields(const runtime::Event& event) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (event.type == "container") {
    j["status"] = event.action;
    j["id"] = event.id;
    j["from"] = attribute(event, "image");
  }
  j["Type"] = event.type;
  j["Action"] = event.action;
  j["Actor"] = {{"ID", event.id}, {"Attributes", event.attributes}};
  j["scope"] = "local";
  j["time"] = event.time_ns / 1'000'000'000;
  j["timeNano"] = event.time_ns;
  return j;
}

ListFilter parse_event_filters(const std::vector<std::string>& values) {
  return parse_filters(values, {"container", "event", "image", "label", "type"});
}

namespace {

bool any_value(const std::vector<std::string>& values, auto&& pred) {
  return std::any_of(values.begin(), values.end(), pred);
}

bool has_label(const std::map<std::string, std::string>& attributes, const std::string& term) {
  auto eq = term.find('=');
  auto it = attributes.find(term.substr(0, eq));
  return it != attributes.end() && (eq == std::string::npos || it->second == term.substr(eq + 1));
}

// docker's FuzzyMatch: equal, or the start of it.
bool fuzzy(const std::vector<std::string>& values, const std::string& source) {
  return any_value(values, [&](const std::string& v) { return source.starts_with(v); });
}

// An image given by name matches its tag's events: "busybox" those of "busybox:latest".
bool image_matches(const std::string& wanted, const std::string& image) {
  return image == wanted || (wanted.find(':') == std::string::npos && image == wanted + ":latest");
}

bool term_matches(const std::string& key, const std::vector<std::string>& values,
                  const runtime::Event& e) {
  if (key == "type") return any_value(values, [&](const auto& v) { return v == e.type; });
  if (key == "label")
    return std::all_of(values.begin(), values.end(),
                       [&](const auto& t) { return has_label(e.attributes, t); });
  if (key == "container")
    return e.type == "container" && (fuzzy(values, e.id) || fuzzy(values, attribute(e, "name")));
  if (key == "image")
    return any_value(values,
                     [&](const auto& v) { return image_matches(v, attribute(e, "image")); });
  // event: health_status (without its ": status") matches every health_status.
  return any_value(values, [&](const std::string& v) {
    bool bare = v == "health_status" || v == "exec_create" || v == "exec_start";
    return v == e.action || (bare && e.action.starts_with(v + ":"));
  });
}

}  // namespace

bool event_matches(const ListFilter& filter, const runtime::Event& event) {
  return std::all_of(filter.terms.begin(), filter.terms.end(),
                     [&](const auto& t) { return term_matches(t.first, t.second, event); });
}

std::optional<ComposeEvent> compose_event(const runtime::Event& event, const std::string& project,
                                          const std::vector<std::string>& services) {
  if (event.type != "container" || attribute(event, reconciler::kProjectLabel) != project ||
      reconciler::is_oneoff(event.attributes))
    return std::nullopt;
  ComposeEvent c;
  c.service = attribute(event, reconciler::kServiceLabel);
  if (!services.empty() && std::find(services.begin(), services.end(), c.service) == services.end())
    return std::nullopt;
  c.time_ns = event.time_ns;
  c.id = event.id;
  c.action = event.action;
  for (const auto& [k, v] : event.attributes)
    if (!is_project_label(k)) c.attributes[k] = v;
  return c;
}

std::string compose_event_line(const ComposeEvent& event) {
  LocalTime t = local_time(event.time_ns);
  std::string attrs = attribute_list(event.attributes);
  return date_time(t.fields, ' ') + "." + fraction(t.nanos, 6) + " container " + event.action +
         " " + event.id + (attrs.empty() ? " ()" : attrs);
}

std::string compose_event_json(const ComposeEvent& event) {
  nlohmann::ordered_json j = {
      {"action", event.action},   {"attributes", event.attributes},      {"id", event.id},
      {"service", event.service}, {"time", rfc3339_nano(event.time_ns)}, {"type", "container"}};
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace lit::app
