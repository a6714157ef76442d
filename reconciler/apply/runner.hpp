#pragma once
// What the applier needs from the world, behind an interface: running one
// action (creating, starting, stopping, removing networks, volumes and
// containers) and observing a dependency's condition. actions.hpp has the
// real one (the runtime and network manager); unit tests use a fake.
#include <chrono>
#include <string>

#include "reconciler/plan.hpp"

namespace lit::reconciler {

// What an action may ask of the applier while it runs.
class ActionContext {
 public:
  virtual ~ActionContext() = default;
  // Reports the phase the action has reached ("Creating", "Starting"...).
  virtual void step(const char* status) = 0;
  // Blocks until the action's wait_for conditions hold; throws lit::Error when
  // one never will, when they do not within the dependency timeout, or when
  // the apply is cancelled.
  virtual void wait_for_dependencies() = 0;
  // Blocks until every dependency the action waits to be healthy has started:
  // then its own start can be prepared while they become healthy (a held
  // start). False, at once or later, when it waits on anything else, or a
  // dependency will not start; wait_for_dependencies() then says why.
  virtual bool wait_for_dependencies_started() = 0;
  // Whether the apply is being cancelled (long waits of an action end early).
  virtual bool cancelled() const = 0;
};

// A depends_on condition, now.
struct ConditionState {
  enum class Kind { Holds, Waiting, Never };
  Kind kind = Kind::Waiting;
  std::string why{};  // Never: why it never will hold
};

// Called from the applier's worker threads, several at a time.
class ActionRunner {
 public:
  virtual ~ActionRunner() = default;
  // Runs one action, reporting its phases to `context`; returns its final
  // status ("Started"); throws on failure.
  virtual std::string run(const Action& action, ActionContext& context) = 0;
  // Whether `dependency`'s condition holds on its service's containers.
  virtual ConditionState condition(const DesiredDependency& dependency) = 0;
  // Blocks until something a condition looks at may have changed outside the
  // process (a container started, exited, turned healthy), or `at_most`
  // passed; false at once when the runner cannot tell (the applier then only
  // checks again every ApplyOptions::recheck). One thread calls it at a time.
  virtual bool wait_outside_change(std::chrono::milliseconds /*at_most*/) { return false; }
  // Ends a wait_outside_change() in another thread now.
  virtual void interrupt_outside_wait() {}
};

}  // namespace lit::reconciler
