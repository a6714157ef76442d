#include "runtime/state/record_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "runtime/state/ids.hpp"
#include "runtime/util/error.hpp"
#include "runtime/util/fs.hpp"
#include "tests/unit/error_of.hpp"
#include "tests/unit/runtime/state/sample_record.hpp"

using namespace lit::runtime;
namespace fs = std::filesystem;
using lit::runtime::test_support::make;
using lit::testing::error_of;

namespace {

class RecordStoreTest : public ::testing::Test {
 protected:
  lit::TempDir tmp{fs::temp_directory_path(), "lit-records-"};
  RecordStore store{tmp.path() / "containers"};
};

}  // namespace

TEST_F(RecordStoreTest, CreateReadUpdateRemove) {
  auto r = make(generate_id(), "web");
  store.create(r);
  EXPECT_TRUE(fs::is_directory(store.bundle(r.id)));
  EXPECT_TRUE(fs::exists(store.dir(r.id) / "container.json"));
  EXPECT_EQ(store.read(r.id)->name, "web");

  EXPECT_TRUE(
      store.update(r.id, [](ContainerRecord& c) { c.state.status = ContainerStatus::Running; }));
  EXPECT_EQ(store.read(r.id)->state.status, ContainerStatus::Running);

  store.remove(r.id);
  EXPECT_FALSE(fs::exists(store.dir(r.id)));
  EXPECT_FALSE(store.read(r.id).has_value());
  bool called = false;
  EXPECT_FALSE(store.update(r.id, [&](ContainerRecord&) { called = true; }));
  EXPECT_FALSE(called);
}

TEST_F(RecordStoreTest, NamesAreValidAndUnique) {
  auto a = make(generate_id(), "web");
  store.create(a);
  auto b = make(generate_id(), "web");
  EXPECT_EQ(error_of([&] { store.create(b); }),
            "the container name \"/web\" is already in use by container \"" + a.id + "\"");
  EXPECT_FALSE(fs::exists(store.dir(b.id)));  // nothing half-made
  auto c = make(generate_id(), "bad/name");
  EXPECT_THROW(store.create(c), lit::Error);
  EXPECT_FALSE(fs::exists(store.dir(c.id)));
  auto fresh = store.unused_name();
  EXPECT_NE(fresh, "web");
  EXPECT_TRUE(store.read(a.id).has_value());
}

TEST_F(RecordStoreTest, RenameKeepsNamesValidAndUnique) {
  auto a = make(generate_id(), "web");
  auto b = make(generate_id(), "db");
  store.create(a);
  store.create(b);
  EXPECT_EQ(store.rename(a.id, "api").name, "api");
  EXPECT_EQ(store.read(a.id)->name, "api");
  EXPECT_EQ(store.lookup("api").id, a.id);
  EXPECT_EQ(error_of([&] { store.rename(a.id, "db"); }),
            "the container name \"/db\" is already in use by container \"" + b.id + "\"");
  EXPECT_EQ(error_of([&] { store.rename(a.id, "api"); }),
            "renaming container api to the name it already has");
  EXPECT_THROW(store.rename(a.id, "bad/name"), lit::Error);
  EXPECT_EQ(store.read(a.id)->name, "api");  // a refused rename changes nothing
  // The old name is free again.
  auto c = make(generate_id(), "web");
  EXPECT_NO_THROW(store.create(c));
}

TEST_F(RecordStoreTest, LookupByIdNameAndPrefix) {
  auto a = make("abc1" + std::string(60, '0'), "first");
  auto b = make("abc2" + std::string(60, '0'), "second");
  auto c = make("def0" + std::string(60, '0'), "abc1");  // a name that looks like a prefix
  store.create(a);
  store.create(b);
  store.create(c);
  EXPECT_EQ(store.lookup(a.id).name, "first");
  EXPECT_EQ(store.lookup("second").id, b.id);
  EXPECT_EQ(store.lookup("/second").id, b.id);
  EXPECT_EQ(store.lookup("abc1").id, c.id);  // exact name beats id prefix, as docker
  EXPECT_EQ(store.lookup("abc2").id, b.id);
  EXPECT_EQ(store.lookup("def").id, c.id);
  auto ambiguous = error_of([&] { store.lookup("abc"); });
  EXPECT_NE(ambiguous.find("ambiguous"), std::string::npos) << ambiguous;
  EXPECT_NE(ambiguous.find("abc100000000"), std::string::npos) << ambiguous;
  EXPECT_EQ(error_of([&] { store.lookup("zzz"); }), "no such container: zzz");
  EXPECT_EQ(store.list().size(), 3u);
}

TEST_F(RecordStoreTest, ListSkipsDirectoriesWithoutRecord) {
  store.create(make(generate_id(), "web"));
  fs::create_directories(tmp.path() / "containers" / "half-made");
  EXPECT_EQ(store.list().size(), 1u);
}

// A --rm container's record is written without fsync: after a power loss it
// may be empty, which is no record (and no warning), not a corrupt one.
TEST_F(RecordStoreTest, AnEmptyRecordIsNoRecordAndRemoveIsIdempotent) {
  auto r = make(generate_id(), "scratch");
  store.create(r, lit::Durability::NoSync);
  EXPECT_EQ(store.read(r.id)->name, "scratch");
  std::ofstream(store.dir(r.id) / "container.json", std::ios::trunc).flush();
  EXPECT_FALSE(store.read(r.id).has_value());
  EXPECT_TRUE(store.list().empty());
  store.remove(r.id);
  EXPECT_FALSE(fs::exists(store.dir(r.id)));
  EXPECT_NO_THROW(store.remove(r.id));  // gone already
}

// A foreground --rm container keeps its record in the run root; its writable
// layer is on disk. Both are one container to list, lookup, update and remove.
TEST(Record, ARunRootRecordIsOneContainerWithItsLayerOnDisk) {
  lit::TempDir tmp(fs::temp_directory_path(), "lit-records-");
  RecordStore store(tmp.path() / "containers", tmp.path() / "run");
  auto kept = make(generate_id(), "kept");
  auto scratch = make(generate_id(), "scratch");
  store.create(kept);
  store.create(scratch, lit::Durability::NoSync, RecordHome::RunRoot);
  EXPECT_EQ(store.dir(scratch.id), tmp.path() / "run" / scratch.id);
  EXPECT_TRUE(fs::exists(tmp.path() / "run" / scratch.id / "container.json"));
  EXPECT_FALSE(fs::exists(tmp.path() / "containers" / scratch.id / "container.json"));
  EXPECT_TRUE(fs::is_directory(store.bundle(scratch.id)));
  EXPECT_EQ(store.bundle(scratch.id), tmp.path() / "containers" / scratch.id);
  // A disk record's run directory (its etc files) does not move its record.
  fs::create_directories(tmp.path() / "run" / kept.id);
  EXPECT_EQ(store.dir(kept.id), tmp.path() / "containers" / kept.id);

  EXPECT_EQ(store.list().size(), 2u);  // each once, though both have two directories
  EXPECT_EQ(store.lookup("scratch").id, scratch.id);
  EXPECT_EQ(
      error_of([&] { store.create(make(generate_id(), "scratch")); }),
      "the container name \"/scratch\" is already in use by container \"" + scratch.id + "\"");
  EXPECT_TRUE(store.update(scratch.id,
                           [](ContainerRecord& c) { c.state.status = ContainerStatus::Running; }));
  EXPECT_EQ(store.read(scratch.id)->state.status, ContainerStatus::Running);

  store.remove(scratch.id);
  EXPECT_FALSE(fs::exists(tmp.path() / "run" / scratch.id));
  EXPECT_FALSE(fs::exists(tmp.path() / "containers" / scratch.id));
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_TRUE(store.read(kept.id).has_value());
}

// A reboot empties the run root: the writable layers of --rm runs it cut short
// stay on disk without a record, and the next create removes them. A
// directory without a record made in this boot (a container being created or
// removed right now) is left alone.
TEST(Record, CreateRemovesRecordlessLayersOfEarlierBoots) {
  lit::TempDir tmp(fs::temp_directory_path(), "lit-records-");
  RecordStore store(tmp.path() / "containers", tmp.path() / "run");
  const fs::path old_layer = tmp.path() / "containers" / std::string(64, 'e');
  const fs::path new_layer = tmp.path() / "containers" / std::string(64, 'f');
  fs::create_directories(old_layer / "upper" / "etc");
  std::ofstream(old_layer / "upper" / "etc" / "written") << "data";
  fs::create_directories(new_layer / "upper");
  const timespec long_ago[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, old_layer.c_str(), long_ago, 0), 0);
  auto kept = make(generate_id(), "kept");
  store.create(kept);
  ASSERT_EQ(::utimensat(AT_FDCWD, store.dir(kept.id).c_str(), long_ago, 0), 0);

  store.create(make(generate_id(), "next"));
  EXPECT_FALSE(fs::exists(old_layer));
  EXPECT_TRUE(fs::exists(new_layer));
  EXPECT_TRUE(store.read(kept.id).has_value());  // an old container with a record stays
}

TEST(Record, CorruptRecordNamesTheFile) {
  lit::TempDir tmp(fs::temp_directory_path(), "lit-records-");
  RecordStore store(tmp.path());
  fs::create_directories(tmp.path() / "x");
  std::ofstream(tmp.path() / "x" / "container.json") << "{not json";
  EXPECT_NE(error_of([&] { store.read("x"); }).find((tmp.path() / "x/container.json").string()),
            std::string::npos);
}

// chattr +T: each container's directories go to a block group of their own
// instead of piling up (and their freed inodes with them) in one.
TEST_F(RecordStoreTest, ContainersDirectoryIsMarkedTopOfUnrelatedTrees) {
  lit::UniqueFd probe(::open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(probe);
  int flags = 0;
  if (::ioctl(probe.get(), FS_IOC_GETFLAGS, &flags) < 0)
    GTEST_SKIP() << tmp.path() << ": its filesystem has no inode flags (tmpfs?); ext4 has";
  store.create(make(std::string(64, 'e'), "spread"), lit::Durability::NoSync, RecordHome::Disk);
  lit::UniqueFd dir(
      ::open((tmp.path() / "containers").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir);
  ASSERT_EQ(::ioctl(dir.get(), FS_IOC_GETFLAGS, &flags), 0);
  EXPECT_TRUE(flags & FS_TOPDIR_FL) << "lsattr -d " << (tmp.path() / "containers") << " shows no T";
  EXPECT_TRUE(fs::is_directory(tmp.path() / "containers" / std::string(64, 'e')));
}

// The name index (.names/NAME -> id) only finds a record faster: a link left
// by a create, rename or rm cut short counts for nothing, a store made by an
// older lit gets its index from its records, and names stay unique.
TEST_F(RecordStoreTest, TheNameIndexFollowsTheRecordsAndStaleLinksCountForNothing) {
  const fs::path index = tmp.path() / "containers" / ".names";
  auto web = make(generate_id(), "web");
  store.create(web);
  // The id in base64url: a target ext4 keeps in the inode (under 60 bytes).
  EXPECT_EQ(fs::read_symlink(index / "web").string().size(), 43u);
  EXPECT_EQ(store.lookup("web").id, web.id);
  EXPECT_EQ(store.lookup("/web").id, web.id);
  EXPECT_EQ(store.list().size(), 1u) << "the index is not a container";

  // A create killed after its link, before its record: the name is free.
  fs::create_symlink(std::string(64, 'a'), index / "ghost");
  EXPECT_THROW(store.lookup("ghost"), lit::Error);
  auto ghost = make(generate_id(), "ghost");
  store.create(ghost);
  EXPECT_EQ(store.lookup("ghost").id, ghost.id);

  // A link to a record that has another name now (a rename cut short).
  fs::remove(index / "web");
  fs::create_symlink(ghost.id, index / "web");
  EXPECT_EQ(store.lookup("web").id, web.id) << "found by the records, not the stale link";

  store.rename(web.id, "front");
  EXPECT_EQ(store.lookup("front").id, web.id);
  EXPECT_THROW(store.lookup("web"), lit::Error) << "the old name names nothing";
  store.create(make(generate_id(), "web"));  // the old name is free again

  store.remove(ghost.id);
  EXPECT_FALSE(fs::is_symlink(index / "ghost"));
  EXPECT_THROW(store.lookup("ghost"), lit::Error);

  // Names that are not names never reach the file system.
  EXPECT_THROW(store.lookup("../../etc"), lit::Error);
}

TEST_F(RecordStoreTest, AStoreWithoutANameIndexGetsOneFromItsRecords) {
  auto db = make(generate_id(), "db");
  store.create(db);
  fs::remove_all(tmp.path() / "containers" / ".names");  // as an older lit left it
  EXPECT_EQ(error_of([&] { store.create(make(generate_id(), "db")); }),
            "the container name \"/db\" is already in use by container \"" + db.id + "\"");
  EXPECT_TRUE(fs::is_symlink(tmp.path() / "containers" / ".names" / "db"));
  EXPECT_EQ(store.lookup("db").id, db.id);
  EXPECT_EQ(store.list().size(), 1u);
}

// An older lit's links held the id's 64 hex digits: they still count.
TEST_F(RecordStoreTest, AnOlderLitsHexLinksStillName) {
  auto db = make(generate_id(), "db");
  store.create(db);
  const fs::path link = tmp.path() / "containers" / ".names" / "db";
  fs::remove(link);
  fs::create_symlink(db.id, link);
  EXPECT_EQ(error_of([&] { store.create(make(generate_id(), "db")); }),
            "the container name \"/db\" is already in use by container \"" + db.id + "\"");
  EXPECT_EQ(store.lookup("db").id, db.id);
  store.remove(db.id);
  EXPECT_FALSE(fs::is_symlink(link)) << "removed with its container";
}

// A foreground --rm container's bundle (record in the run root) is kept as
// the spare for the next one: its work/ only, never its upper/ (what the
// container wrote, and its root's owner and mode). One spare; a bundle that
// holds anything else, or comes when there is a spare already, goes.
TEST_F(RecordStoreTest, ARunRootRecordsBundleIsKeptAsTheSpareWithoutItsUpper) {
  RecordStore both{tmp.path() / "containers", tmp.path() / "run"};
  auto first = make(generate_id(), "first");
  both.create(first, lit::Durability::NoSync, RecordHome::RunRoot);
  const fs::path bundle = both.bundle(first.id);
  fs::create_directories(bundle / "upper" / "etc");
  std::ofstream(bundle / "upper" / "etc" / "written") << "by first";
  fs::create_directories(bundle / "work" / "work");
  both.remove(first.id);
  EXPECT_FALSE(fs::exists(bundle));
  EXPECT_TRUE(fs::is_directory(both.spare_bundle() / "work"));
  EXPECT_FALSE(fs::exists(both.spare_bundle() / "upper")) << "nothing of first for the next";
  EXPECT_TRUE(both.list().empty()) << "the spare is no container";

  auto second = make(generate_id(), "second");
  both.create(second, lit::Durability::NoSync, RecordHome::RunRoot);
  EXPECT_FALSE(fs::exists(both.spare_bundle())) << "taken";
  EXPECT_TRUE(fs::is_directory(both.bundle(second.id) / "work"));
  EXPECT_FALSE(fs::exists(both.bundle(second.id) / "upper"));

  // Two bundles going: the first becomes the spare, the second goes.
  auto third = make(generate_id(), "third");
  both.create(third, lit::Durability::NoSync, RecordHome::RunRoot);
  fs::create_directories(both.bundle(third.id) / "work");
  both.remove(second.id);
  EXPECT_TRUE(fs::is_directory(both.spare_bundle()));
  both.remove(third.id);
  EXPECT_FALSE(fs::exists(both.bundle(third.id))) << "one spare at most";

  // A bundle with more than upper/ and work/ (files lit wrote for it) goes too.
  ASSERT_NO_THROW(fs::remove_all(both.spare_bundle()));
  auto fourth = make(generate_id(), "fourth");
  both.create(fourth, lit::Durability::NoSync, RecordHome::RunRoot);
  fs::create_directories(both.bundle(fourth.id) / "files");
  both.remove(fourth.id);
  EXPECT_FALSE(fs::exists(both.bundle(fourth.id)));
  EXPECT_FALSE(fs::exists(both.spare_bundle()));

  // A record on disk holds its bundle: never parked.
  auto kept = make(generate_id(), "kept");
  both.create(kept);
  fs::create_directories(both.bundle(kept.id) / "work");
  both.remove(kept.id);
  EXPECT_FALSE(fs::exists(both.bundle(kept.id)));
  EXPECT_FALSE(fs::exists(both.spare_bundle()));
}
