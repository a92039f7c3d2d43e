#include "tests/support/temp_tree.hpp"

#include <stdlib.h>

#include "base/remove_tree.hpp"

namespace ember::testsupport {

TempTree::TempTree() {
  char tmpl[] = "/tmp/ember-test-XXXXXX";  // short: socket paths must fit sun_path
  if (::mkdtemp(tmpl) == nullptr) ::abort();
  path_ = tmpl;
}

TempTree::~TempTree() {
  remove_tree(path_);
}

}  // namespace ember::testsupport
