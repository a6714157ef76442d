// Which host a reference's domain is fetched from, and over which scheme.
#include "runtime/image/registry/client.hpp"

#include <gtest/gtest.h>

namespace {

using namespace lit::image;

TEST(RegistryClient, HostOfADomain) {
  EXPECT_EQ(registry_host("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(registry_host("quay.io"), "quay.io");
  EXPECT_EQ(registry_host("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(RegistryClient, OnlyLocalRegistriesArePlainHttp) {
  for (const char* local : {"localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:45123",
                            "127.1.2.3:80", "[::1]:5000"})
    EXPECT_TRUE(is_local_registry(local)) << local;
  for (const char* remote : {"docker.io", "localhost.example.com", "128.0.0.1:5000",
                             "registry.local:5000", "[::2]:5000", "127.example.com:5000"})
    EXPECT_FALSE(is_local_registry(remote)) << remote;
}

}  // namespace
