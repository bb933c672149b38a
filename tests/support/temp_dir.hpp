#pragma once
// A fresh folder under $TMPDIR (or /tmp) for one test, removed with everything in it on
// destruction. Names are unique per process and call, so parallel ctest runs never collide.

#include <filesystem>
#include <string>

namespace omni::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "omni");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace omni::testing
