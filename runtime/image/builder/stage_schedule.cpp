#include "runtime/image/builder/stage_schedule.hpp"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace lit::image::builder {

namespace {

// reach[i][j]: stage i needs stage j, directly or not (needs come before).
std::vector<std::vector<bool>> reachability(const std::vector<std::vector<std::size_t>>& needs) {
  const std::size_t n = needs.size();
  std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j : needs[i]) {
      reach[i][j] = true;
      for (std::size_t k = 0; k < n; ++k)
        if (reach[j][k]) reach[i][k] = true;
    }
  return reach;
}

class Schedule {
 public:
  Schedule(const std::vector<std::vector<std::size_t>>& needs,
           const std::function<void(std::size_t)>& build)
      : needs_(needs), build_(build), state_(needs.size(), State::Waiting) {}

  // One worker: takes ready stages until none is left or one failed.
  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      std::size_t next = needs_.size();
      cv_.wait(lock, [&] { return failure_ || all_taken() || (next = ready()) < needs_.size(); });
      if (failure_ || next == needs_.size()) return;
      state_[next] = State::Building;
      lock.unlock();
      std::exception_ptr error;
      try {
        build_(next);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      state_[next] = State::Done;
      if (error && !failure_) failure_ = error;
      cv_.notify_all();
    }
  }

  void rethrow() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  enum class State { Waiting, Building, Done };

  bool all_taken() const {
    for (auto s : state_)
      if (s == State::Waiting) return false;
    return true;
  }

  std::size_t ready() const {
    for (std::size_t i = 0; i < needs_.size(); ++i) {
      if (state_[i] != State::Waiting) continue;
      bool ok = true;
      for (std::size_t j : needs_[i]) ok = ok && state_[j] == State::Done;
      if (ok) return i;
    }
    return needs_.size();
  }

  const std::vector<std::vector<std::size_t>>& needs_;
  const std::function<void(std::size_t)>& build_;
  std::vector<State> state_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::exception_ptr failure_;
};

}  // namespace

bool has_independent_stages(const std::vector<std::vector<std::size_t>>& needs) {
  auto reach = reachability(needs);
  for (std::size_t i = 0; i < needs.size(); ++i)
    for (std::size_t j = i + 1; j < needs.size(); ++j)
      if (!reach[i][j] && !reach[j][i]) return true;
  return false;
}

void run_stages(const std::vector<std::vector<std::size_t>>& needs, std::size_t parallel,
                const std::function<void(std::size_t)>& build) {
  if (parallel <= 1 || !has_independent_stages(needs)) {
    for (std::size_t i = 0; i < needs.size(); ++i) build(i);  // the plan's order
    return;
  }
  Schedule schedule(needs, build);
  std::vector<std::jthread> workers;
  for (std::size_t i = 0; i < parallel; ++i) workers.emplace_back([&schedule] { schedule.work(); });
  workers.clear();  // joins
  schedule.rethrow();
}

}  // namespace lit::image::builder
