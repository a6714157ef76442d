#pragma once
// io.lit.Manager1 on a bus connection (sdbus-c++): each method a thin caller
// of a use case in app/project.hpp, run on a thread of its own so that a long
// Up blocks neither the other calls nor the signals; the signals from lit's
// event journal. The interface is app/dbus/io.lit.Manager1.xml.
#include <sdbus-c++/sdbus-c++.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "app/context.hpp"
#include "runtime/events/event.hpp"
#include "runtime/util/fs.hpp"

namespace lit::app::dbus {

inline constexpr const char* kBusName = "io.lit.Manager1";
inline constexpr const char* kObjectPath = "/io/lit/Manager1";
inline constexpr const char* kInterface = "io.lit.Manager1";

class Manager {
 public:
  // Registers the object on `connection` (whose event loop the caller runs)
  // and starts following the event journal.
  Manager(const Context& ctx, sdbus::IConnection& connection);
  // Asks the calls in flight to skip what has not started (as Ctrl-C does),
  // waits for them, and stops following the journal.
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

 private:
  void register_queries();  // ListProjects, ListServices, Logs
  void register_changes();  // Up, Down, Restart
  void register_signals();
  // Runs `work` on a thread of its own (a call's reply is sent from there).
  template <typename Work>
  void in_worker(Work work);
  void follow_events();
  void signal_event(const runtime::Event& e);

  const Context ctx_;
  std::unique_ptr<sdbus::IObject> object_;
  std::stop_source stop_;
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;       // calls running on their threads (detached)
  UniqueFd events_cancel_;  // eventfd: ends the journal reader
  std::jthread events_;
};

}  // namespace lit::app::dbus
