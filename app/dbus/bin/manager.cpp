#include "app/dbus/bin/manager.hpp"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/dbus/up_request.hpp"
#include "app/project.hpp"
#include "reconciler/labels.hpp"
#include "runtime/events/journal.hpp"

namespace lit::app::dbus {

namespace {

using ProjectRow = sdbus::Struct<std::string, std::string>;
using ContainerRow = sdbus::Struct<std::string, std::string, std::string, std::string, int32_t>;
using Options = std::map<std::string, sdbus::Variant>;

constexpr const char* kInvalidArgument = "io.lit.Error.InvalidArgument";
constexpr const char* kNotFound = "io.lit.Error.NotFound";
constexpr const char* kFailed = "io.lit.Error.Failed";

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

// An a{sv} entry as the typed value parse_up_request checks.
OptionValue option_value(const sdbus::Variant& v) {
  OptionValue out;
  out.signature = v.peekValueType();
  if (out.signature == "b")
    out.value = v.get<bool>();
  else if (out.signature == "u")
    out.value = v.get<std::uint32_t>();
  else if (out.signature == "s")
    out.value = v.get<std::string>();
  else if (out.signature == "as")
    out.value = v.get<std::vector<std::string>>();
  return out;
}

std::map<std::string, OptionValue> option_values(const Options& options) {
  std::map<std::string, OptionValue> out;
  for (const auto& [name, v] : options) out[name] = option_value(v);
  return out;
}

// Sends fn's result as the call's reply, or lit's error as a D-Bus error.
template <typename... R, typename Fn>
void reply(sdbus::Result<R...>& result, const char* failed_as, Fn&& fn) {
  try {
    if constexpr (sizeof...(R) == 0) {
      fn();
      result.returnResults();
    } else {
      result.returnResults(fn());
    }
  } catch (const NotFound& e) {
    result.returnError(sdbus::Error(kNotFound, e.what()));
  } catch (const Error& e) {
    result.returnError(sdbus::Error(failed_as, e.what()));
  } catch (const std::exception& e) {
    result.returnError(sdbus::Error(kFailed, e.what()));
  }
}

// The failures of a use case, as the error of the call.
void check(const std::vector<std::string>& failures) {
  if (!failures.empty()) throw Error(joined(failures));
}

}  // namespace

Manager::Manager(const Context& ctx, sdbus::IConnection& connection)
    : ctx_(ctx), object_(sdbus::createObject(connection, kObjectPath)) {
  register_queries();
  register_changes();
  register_signals();
  object_->finishRegistration();
  events_cancel_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!events_cancel_) throw Error::sys("make an eventfd", "the event journal reader", errno);
  events_ = std::jthread([this] { follow_events(); });
}

Manager::~Manager() {
  stop_.request_stop();
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return in_flight_ == 0; });
  }
  std::uint64_t one = 1;
  if (::write(events_cancel_.get(), &one, sizeof one) < 0)
    spdlog::debug("end the event journal reader: {}", std::strerror(errno));
  if (events_.joinable()) events_.join();
  object_->unregister();
}

template <typename Work>
void Manager::in_worker(Work work) {
  {
    std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  std::thread([this, work = std::move(work)]() mutable {
    work();
    std::lock_guard lock(mutex_);
    if (--in_flight_ == 0) idle_.notify_all();
  }).detach();
}

void Manager::register_queries() {
  object_->registerMethod("ListProjects")
      .onInterface(kInterface)
      .withOutputParamNames("projects")
      .implementedAs([this](sdbus::Result<std::vector<ProjectRow>>&& result) {
        in_worker([this, result = std::move(result)]() mutable {
          reply(result, kFailed, [&] {
            std::vector<ProjectRow> rows;
            for (const auto& [name, p] : projects_on_host(ctx_))
              rows.emplace_back(name, combined_status(p.statuses));
            return rows;
          });
        });
      });
  object_->registerMethod("ListServices")
      .onInterface(kInterface)
      .withInputParamNames("project")
      .withOutputParamNames("containers")
      .implementedAs(
          [this](sdbus::Result<std::vector<ContainerRow>>&& result, std::string project) {
            in_worker([this, result = std::move(result), project]() mutable {
              reply(result, kFailed, [&] {
                std::vector<ContainerRow> rows;
                for (const auto& c : service_containers(ctx_, project))
                  rows.emplace_back(c.service, c.name, std::string(runtime::to_string(c.status)),
                                    std::string(runtime::to_string(c.health)), c.exit_code);
                return rows;
              });
            });
          });
  object_->registerMethod("Logs")
      .onInterface(kInterface)
      .withInputParamNames("project", "service", "tail")
      .withOutputParamNames("lines")
      .implementedAs([this](sdbus::Result<std::vector<std::string>>&& result, std::string project,
                            std::string service, std::uint32_t tail) {
        in_worker([this, result = std::move(result), project, service, tail]() mutable {
          reply(result, kFailed, [&] { return service_log_lines(ctx_, project, service, tail); });
        });
      });
}

void Manager::register_changes() {
  object_->registerMethod("Up")
      .onInterface(kInterface)
      .withInputParamNames("project_dir", "options")
      .withOutputParamNames("project")
      .implementedAs([this](sdbus::Result<std::string>&& result, std::string dir, Options options) {
        UpRequest request;
        try {
          request = parse_up_request(dir, option_values(options));
        } catch (const Error& e) {
          result.returnError(sdbus::Error(kInvalidArgument, e.what()));
          return;
        }
        in_worker([this, result = std::move(result), request]() mutable {
          std::string project = request.project_dir, message;
          bool ok = false;
          reply(result, kFailed, [&] {
            try {
              UpOutcome out = up_detached(ctx_, request, stop_.get_token());
              project = out.project;
              message = joined(out.failures);
              check(out.failures);
              ok = true;
            } catch (const Error& e) {
              if (message.empty()) message = e.what();
              throw;
            }
            return project;
          });
          object_->emitSignal("UpFinished")
              .onInterface(kInterface)
              .withArguments(project, ok, message);
        });
      });
  object_->registerMethod("Down")
      .onInterface(kInterface)
      .withInputParamNames("project")
      .implementedAs([this](sdbus::Result<>&& result, std::string project) {
        in_worker([this, result = std::move(result), project]() mutable {
          reply(result, kFailed, [&] { check(down_project(ctx_, project, stop_.get_token())); });
        });
      });
  object_->registerMethod("Restart")
      .onInterface(kInterface)
      .withInputParamNames("project", "service")
      .implementedAs([this](sdbus::Result<>&& result, std::string project, std::string service) {
        in_worker([this, result = std::move(result), project, service]() mutable {
          reply(result, kFailed,
                [&] { check(restart_service(ctx_, project, service, stop_.get_token())); });
        });
      });
}

void Manager::register_signals() {
  object_->registerSignal("ContainerStarted")
      .onInterface(kInterface)
      .withParameters<std::string, std::string, std::string>("project", "service", "container");
  object_->registerSignal("ContainerExited")
      .onInterface(kInterface)
      .withParameters<std::string, std::string, std::string, int32_t>("project", "service",
                                                                      "container", "code");
  object_->registerSignal("HealthChanged")
      .onInterface(kInterface)
      .withParameters<std::string, std::string, std::string>("project", "container", "health");
  object_->registerSignal("UpFinished")
      .onInterface(kInterface)
      .withParameters<std::string, bool, std::string>("project", "ok", "message");
}

// The journal is what every lit process appends a container's start, exit and
// health change to (the CLI's and the supervisors' helpers): the signals come
// from there, so they hold for changes made by the CLI too.
void Manager::follow_events() {
  try {
    runtime::read_events(runtime::event_journal(ctx_.paths), {}, events_cancel_.get(),
                         [this](const runtime::Event& e) { signal_event(e); });
  } catch (const std::exception& e) {
    spdlog::error("follow the event journal: {}", e.what());
  }
}

void Manager::signal_event(const runtime::Event& e) {
  if (e.type != "container") return;
  auto attribute = [&](const char* key) {
    auto it = e.attributes.find(key);
    return it == e.attributes.end() ? std::string() : it->second;
  };
  const std::string project = attribute(reconciler::kProjectLabel);
  if (project.empty()) return;  // not a project's container
  const std::string service = attribute(reconciler::kServiceLabel), name = attribute("name");
  static constexpr std::string_view kHealth = "health_status: ";
  try {
    if (e.action == "start") {
      object_->emitSignal("ContainerStarted")
          .onInterface(kInterface)
          .withArguments(project, service, name);
    } else if (e.action == "die") {
      int32_t code = 0;
      try {
        code = std::stoi(attribute("exitCode"));
      } catch (const std::exception&) {  // none recorded: 0
      }
      object_->emitSignal("ContainerExited")
          .onInterface(kInterface)
          .withArguments(project, service, name, code);
    } else if (e.action.starts_with(kHealth)) {
      object_->emitSignal("HealthChanged")
          .onInterface(kInterface)
          .withArguments(project, name, e.action.substr(kHealth.size()));
    }
  } catch (const sdbus::Error& err) {
    spdlog::warn("emit the signal of {} {}: {}", name, e.action, err.getMessage());
  }
}

}  // namespace lit::app::dbus
