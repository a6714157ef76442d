#include "reconciler/versions.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

using namespace lit::reconciler;
namespace fs = std::filesystem;

namespace {

class VersionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lit-versions-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    paths_.root = dir_;
  }
  void TearDown() override { fs::remove_all(dir_); }
  ProjectVersion with(VersionResult r, std::vector<std::string> changed = {}) {
    ProjectVersion v;
    v.result = r;
    v.changed = std::move(changed);
    v.working_dir = "/srv/shop";
    v.built_images = {{"app", "sha256:" + std::string(64, 'a')}};
    return v;
  }
  fs::path dir_;
  lit::Paths paths_;
};

}  // namespace

TEST_F(VersionStoreTest, NumbersInOrderAndTheNewestAppliedIsCurrent) {
  VersionStore s(paths_, "shop");
  EXPECT_FALSE(s.current());
  EXPECT_EQ(s.record("a: 1\n", with(VersionResult::Applied, {"web"})).number, 1);
  EXPECT_EQ(s.record("a: 2\n", with(VersionResult::Applied)).number, 2);
  EXPECT_EQ(s.record("a: 3\n", with(VersionResult::Failed)).number, 3);
  ASSERT_TRUE(s.current());
  EXPECT_EQ(s.current()->number, 2);  // a failed attempt never becomes current
  EXPECT_EQ(s.applied_before(2)->number, 1);
  EXPECT_FALSE(s.applied_before(1));
  EXPECT_EQ(s.definition(1), "a: 1\n");
  auto all = s.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].changed, std::vector<std::string>{"web"});
  EXPECT_EQ(all[0].working_dir, "/srv/shop");
  EXPECT_EQ(all[0].built_images,
            (std::map<std::string, std::string>{{"app", "sha256:" + std::string(64, 'a')}}));
  EXPECT_EQ(to_string(all[2].result), "failed");
  EXPECT_GT(all[0].created_ns, 0);
}

TEST_F(VersionStoreTest, MarkingTheCurrentRolledBackMakesTheOneBeforeCurrent) {
  VersionStore s(paths_, "shop");
  s.record("a: 1\n", with(VersionResult::Applied));
  s.record("a: 2\n", with(VersionResult::Applied));
  s.mark(2, VersionResult::RolledBack, "rolled back to version 1");
  EXPECT_EQ(s.current()->number, 1);
  EXPECT_EQ(s.list()[1].note, "rolled back to version 1");
  EXPECT_EQ(s.record("a: 3\n", with(VersionResult::Applied)).number, 3);  // numbers go on
}

TEST_F(VersionStoreTest, KeepsTheLastTenAndAlwaysTheCurrentAndTheOneBefore) {
  VersionStore s(paths_, "shop");
  s.record("a: 1\n", with(VersionResult::Applied));
  s.record("a: 2\n", with(VersionResult::Applied));
  for (int i = 3; i <= 14; ++i) s.record("a: x\n", with(VersionResult::Failed));
  auto all = s.list();
  ASSERT_EQ(all.size(), kKeptVersions + 2) << "ten newest plus 1 and 2";
  EXPECT_EQ(all[0].number, 1);
  EXPECT_EQ(all[1].number, 2);
  EXPECT_EQ(all[2].number, 5);
}

TEST_F(VersionStoreTest, AnEntryCutShortIsSkipped) {
  VersionStore s(paths_, "shop");
  s.record("a: 1\n", with(VersionResult::Applied));
  fs::create_directories(dir_ / "projects/shop/versions/2");  // no version.json: cut short
  EXPECT_EQ(s.list().size(), 1u);
  EXPECT_EQ(s.record("a: 2\n", with(VersionResult::Applied)).number, 2);
  EXPECT_EQ(s.current()->number, 2);
}

TEST_F(VersionStoreTest, TheEmptyEnvFileLostInACrashIsMadeAgain) {
  VersionStore s(paths_, "shop");
  s.record("a: 1\n", with(VersionResult::Applied));
  const fs::path file = dir_ / "projects/shop/versions/1/empty.env";
  ASSERT_TRUE(fs::exists(file));
  fs::remove(file);  // written without fsync: a crash may lose it
  EXPECT_EQ(s.empty_env_file(1), file);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_EQ(fs::file_size(file), 0u);
  // No entry, no file made for it.
  EXPECT_FALSE(fs::exists(s.empty_env_file(7)));
}

TEST_F(VersionStoreTest, AStagedVersionIsListedOnlyOnceRecorded) {
  VersionStore s(paths_, "shop");
  s.record("a: 1\n", with(VersionResult::Applied));
  StagedVersion staged = s.stage("a: 2\n");
  ASSERT_TRUE(fs::exists(staged.dir() / "compose.yaml"));
  EXPECT_EQ(s.list().size(), 1u);  // written ahead, not a version yet
  EXPECT_EQ(s.current()->number, 1);
  const fs::path staged_dir = staged.dir();
  ProjectVersion v = s.record_staged(std::move(staged), with(VersionResult::Applied, {"web"}));
  EXPECT_EQ(v.number, 2);
  EXPECT_EQ(s.current()->number, 2);
  EXPECT_EQ(s.definition(2), "a: 2\n");
  EXPECT_TRUE(fs::exists(s.empty_env_file(2)));
  EXPECT_FALSE(fs::exists(staged_dir));
}

TEST_F(VersionStoreTest, AStageDroppedIsRemovedAndOneAKilledUpLeftGoesWithTheNextRecord) {
  VersionStore s(paths_, "shop");
  fs::path dropped;
  {
    StagedVersion staged = s.stage("a: 1\n");
    dropped = staged.dir();
  }
  EXPECT_FALSE(fs::exists(dropped));
  s.record("a: 1\n", with(VersionResult::Applied));
  // What an up killed between its version.json and the rename leaves behind.
  const fs::path left = dir_ / "projects/shop/versions/.staged-999999999";
  fs::create_directories(left);
  fs::copy_file(dir_ / "projects/shop/versions/1/version.json", left / "version.json");
  EXPECT_EQ(s.list().size(), 1u) << "a stage is never a version";
  EXPECT_EQ(s.record("a: 2\n", with(VersionResult::Applied)).number, 2);
  EXPECT_FALSE(fs::exists(left));
}
