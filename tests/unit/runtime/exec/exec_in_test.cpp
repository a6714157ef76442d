// exec_process_spec: what an exec'd process gets from the container's record
// and from exec's flags (env precedence, -u with HOME, -w, -t's TERM).
#include "runtime/exec/exec_in.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"

namespace lit::runtime {
namespace {

using lit::testing::error_of;

class ExecSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_.path() / "etc");
    std::ofstream(tmp_.path() / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                                 "app:x:1000:1000::/home/app:/bin/sh\n";
    std::ofstream(tmp_.path() / "etc/group") << "root:x:0:\napp:x:1000:\nextra:x:2000:app\n";
    rec_.name = "web";
    rec_.spec.layers = {tmp_.path()};
    rec_.spec.process.args = {"sleep", "100"};
    rec_.spec.process.env = {"PATH=/bin", "HOME=/root", "KEEP=1", "OVER=run"};
    rec_.spec.process.cwd = "/data";
    rec_.spec.process.uid = 33;
    rec_.spec.process.gid = 44;
  }
  TempDir tmp_{fs::temp_directory_path(), "lit-exec-"};
  ContainerRecord rec_;
};

TEST_F(ExecSpecTest, DefaultsAreTheContainers) {
  ProcessSpec p = exec_process_spec(rec_, {.args = {"ls", "-l"}});
  EXPECT_EQ(p.args, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(p.env, rec_.spec.process.env);
  EXPECT_EQ(p.cwd, "/data");
  EXPECT_EQ(p.uid, 33u);
  EXPECT_EQ(p.gid, 44u);
  EXPECT_FALSE(p.terminal);
  EXPECT_FALSE(p.stdin_open);
}

TEST_F(ExecSpecTest, FlagsOverride) {
  ProcessSpec p = exec_process_spec(rec_, {.args = {"id"},
                                           .env = {"OVER=exec", "NEW=2"},
                                           .workdir = "/tmp",
                                           .user = "app",
                                           .interactive = true,
                                           .tty = true});
  EXPECT_EQ(p.env, (std::vector<std::string>{"PATH=/bin", "HOME=/home/app", "KEEP=1", "OVER=exec",
                                             "TERM=xterm", "NEW=2"}));
  EXPECT_EQ(p.cwd, "/tmp");
  EXPECT_EQ(p.uid, 1000u);
  EXPECT_EQ(p.gid, 1000u);
  EXPECT_EQ(p.additional_gids, (std::vector<gid_t>{2000}));
  EXPECT_TRUE(p.terminal);
  EXPECT_TRUE(p.stdin_open);
  // -e HOME wins over the user's home.
  ProcessSpec h = exec_process_spec(rec_, {.args = {"id"}, .env = {"HOME=/x"}, .user = "app"});
  EXPECT_EQ(h.env[1], "HOME=/x");
}

TEST_F(ExecSpecTest, BadInput) {
  EXPECT_EQ(error_of([&] { exec_process_spec(rec_, {}); }),
            "exec in container web: no command given");
  EXPECT_EQ(error_of([&] { exec_process_spec(rec_, {.args = {"ls"}, .workdir = "tmp"}); }),
            "invalid working directory \"tmp\": it must be an absolute path");
  EXPECT_EQ(error_of([&] { exec_process_spec(rec_, {.args = {"ls"}, .user = "ghost"}); }),
            "unable to find user ghost: no matching entries in passwd file");
}

}  // namespace
}  // namespace lit::runtime
