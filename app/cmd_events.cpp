// lit events (compose's, for the project's service containers) and lit system
// events (docker's, for everything): read the event journal
// (runtime/events/journal.hpp), past events with --since / --until, then new
// ones until --until passes or Ctrl-C, which ends them with status 0.
#include <signal.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/context.hpp"
#include "app/project.hpp"
#include "app/views/event_view.hpp"
#include "app/views/format_template.hpp"
#include "runtime/events/journal.hpp"
#include "runtime/logs/log_reader.hpp"
#include "runtime/process/supervise.hpp"
#include "runtime/shim/log_time.hpp"

namespace lit::app {

namespace {

struct WindowFlags {
  std::string since, until;
};

void add_window_flags(CLI::App* cmd, WindowFlags& w) {
  cmd->add_option("--since", w.since,
                  "Show the events since a time (2026-01-02T15:04:05Z, Unix seconds) or a "
                  "duration before now (10m, 1h30m)");
  cmd->add_option("--until", w.until,
                  "Stream the events until a time (2026-01-02T15:04:05Z, Unix seconds) or a "
                  "duration before now (10m), then exit");
}

runtime::EventWindow window_of(const WindowFlags& w) {
  runtime::EventWindow window;
  const int64_t now = shim::now_ns();
  if (!w.since.empty()) window.since_ns = shim::parse_since(w.since, now);
  if (!w.until.empty()) window.until_ns = shim::parse_since(w.until, now, "--until");
  return window;
}

// Reads the journal until the window's end or SIGINT / SIGTERM (then status 0,
// as docker ends its stream on Ctrl-C), writing each line `show` makes of an
// event (none when it returns nullopt) at once.
void stream(const Context& ctx, const runtime::EventWindow& window,
            const std::function<std::optional<std::string>(const runtime::Event&)>& show) {
  runtime::ForwardedSignals signals({SIGINT, SIGTERM});
  runtime::read_events(runtime::event_journal(ctx.paths), window, signals.fd(),
                       [&](const runtime::Event& e) {
                         auto line = show(e);
                         if (!line) return;
                         std::fputs(line->c_str(), stdout);
                         std::fputc('\n', stdout);
                         std::fflush(stdout);
                       });
  while (signals.next() != 0) {
    // Taken here, the Ctrl-C that ended the stream does not kill lit once unblocked.
  }
}

FormatSpec event_format_spec() {
  FormatSpec s;
  for (const char* field :
       {"status", "id", "from", "Type", "Action", "Actor", "scope", "time", "timeNano"})
    s.headers[field] = field;
  return s;
}

}  // namespace

void register_project_events(CLI::App& app, Context& ctx) {
  struct Opts {
    bool json = false;
    WindowFlags window;
    std::vector<std::string> services;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("events", "Receive real time events from containers");
  cmd->add_flag("--json", o->json, "Output events as a stream of json objects");
  add_window_flags(cmd, o->window);
  cmd->add_option("SERVICE", o->services, "Only these services' containers");
  cmd->callback([&ctx, o] {
    runtime::EventWindow window = window_of(o->window);
    const std::string project = load_by_name(ctx, o->services).name;
    stream(ctx, window, [&](const runtime::Event& e) -> std::optional<std::string> {
      auto c = compose_event(e, project, o->services);
      if (!c) return std::nullopt;
      return o->json ? compose_event_json(*c) : compose_event_line(*c);
    });
  });
}

void register_system_events(CLI::App& system, Context& ctx) {
  struct Opts {
    WindowFlags window;
    std::vector<std::string> filters;
    std::string format;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = system.add_subcommand("events", "Get real time events from lit");
  add_window_flags(cmd, o->window);
  cmd->add_option("-f,--filter", o->filters,
                  "Filter: container=NAME, event=ACTION, label=KEY[=VALUE], type=TYPE, "
                  "image=IMAGE")
      ->allow_extra_args(false);
  cmd->add_option("--format", o->format,
                  "json, or a Go template ({{.Action}}, {{.Actor.Attributes.name}})");
  cmd->callback([&ctx, o] {
    ListFilter filter = parse_event_filters(o->filters);
    std::optional<OutputFormat> format;
    if (!o->format.empty()) format.emplace(o->format, event_format_spec());
    runtime::EventWindow window = window_of(o->window);
    stream(ctx, window, [&](const runtime::Event& e) -> std::optional<std::string> {
      if (!event_matches(filter, e)) return std::nullopt;
      if (!format) return docker_event_line(e);
      FormatRow row;
      row.fields = docker_event_fields(e);
      std::string out = format->render({row});
      while (!out.empty() && out.back() == '\n') out.pop_back();
      return out;
    });
  });
}

}  // namespace lit::app
