#pragma once
// The applier's event stream, as docker compose's pkg/progress: one event each
// time a resource changes phase ("Container shop-web-1 Creating" -> "Started").
// app/ picks the renderer (a live view on a terminal, plain lines, JSON, quiet).
#include <functional>
#include <string>

namespace lit::reconciler {

enum class ProgressState { Working, Done, Error };

struct ProgressEvent {
  std::string id;      // "Container shop-web-1", "Network shop_default"
  std::string status;  // "Creating", "Started", "Waiting", "Error"...
  ProgressState state = ProgressState::Working;
  std::string text{};  // the error's message for ProgressState::Error
};

// Called from the applier's worker threads, one call at a time.
using Progress = std::function<void(const ProgressEvent&)>;

}  // namespace lit::reconciler
