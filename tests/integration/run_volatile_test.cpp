// --rm containers get a volatile overlay (no sync of a layer that is thrown
// away); kept containers keep a normally synced one.
#include "tests/integration/run_fixture.hpp"

namespace lit::test {
namespace {

const char kRootMountOptions[] = "awk '$2 == \"/\" && $3 == \"overlay\" {print $4}' /proc/mounts";

TEST_F(RunTest, RemovedContainerRootIsVolatile) {
  Result r = sh(kRootMountOptions);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("volatile"), std::string::npos) << r;
  Result again = sh("echo data > /f && sync /f && cat /f");  // fsync is harmless there
  EXPECT_EQ(again.out, "data\n") << again;
}

TEST_F(RunTest, KeptContainerRootIsNotVolatile) {
  Result r = run({"--name", "kept", kTestImage, "sh", "-c", kRootMountOptions});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("lowerdir"), std::string::npos) << r;  // lowerdir= or lowerdir+=
  EXPECT_EQ(r.out.find("volatile"), std::string::npos) << r;
  EXPECT_EQ(lit({"container", "rm", "kept"}).exit_code, 0);
}

}  // namespace
}  // namespace lit::test
