#include "tests/support/temp_tree.hpp"

#include <ftw.h>
#include <stdlib.h>

#include <cstdio>

namespace ember::shimtest {
namespace {

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
  ::remove(path);
  return 0;
}

}  // namespace

TempTree::TempTree() {
  char tmpl[] = "/tmp/ember-shim-XXXXXX";  // short: socket paths must fit sun_path
  if (::mkdtemp(tmpl) == nullptr) ::abort();
  path_ = tmpl;
}

TempTree::~TempTree() {
  ::nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace ember::shimtest
