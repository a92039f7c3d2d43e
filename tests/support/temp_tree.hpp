#pragma once
// TempTree: a private directory under /tmp for one test, removed with its
// contents on destruction.
#include <string>

namespace ember::shimtest {

class TempTree {
 public:
  TempTree();
  ~TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ember::shimtest
