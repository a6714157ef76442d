#pragma once
// Inside a new network namespace only "lo" exists, and it starts down.
namespace lit::runtime {

void bring_up_loopback();

}  // namespace lit::runtime
