#pragma once
// Inside a new network namespace only "lo" exists, and it starts down.
namespace lit::runtime {

void bring_up_loopback();

// 0 once lo is up, else the errno of the step that failed, named in *step
// (a static string). Allocates nothing: BackgroundStart's thread uses it.
int set_loopback_up(const char** step) noexcept;

}  // namespace lit::runtime
