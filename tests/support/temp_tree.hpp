#pragma once
// TempTree: a private directory under /tmp for one test, removed with its
// contents on destruction (symlinks removed, never followed). The one
// temporary directory of the test suites.
#include <string>

namespace ember::testsupport {

class TempTree {
 public:
  TempTree();
  ~TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ember::testsupport

namespace ember::shimtest {
using testsupport::TempTree;
}
