#pragma once
// Runs the emberctl binary under test as a child process and collects what it
// printed and how it exited. Also owns the scratch directory tests work in.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/files.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::ctltest {

using TempDir = testsupport::TempTree;

struct CtlResult {
  int exit_code = -1;  // 128 + signal number if it was killed
  std::string out;
  std::string err;
};

// Environment changes for the child: a value sets the variable, nullopt
// removes it. EMBER_CONFIG and XDG_RUNTIME_DIR are removed unless set here,
// so the tests do not depend on the caller's environment.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

// Runs EMBERCTL_PATH with args; stdin_text is its standard input. Scratch
// files go to work_dir.
CtlResult run_emberctl(const std::string& work_dir, const std::vector<std::string>& args,
                       const std::string& stdin_text = "", const EnvChanges& env = {});

// Writes text to path (read it back with read_file, base/files.hpp).
bool write_file(const std::string& path, const std::string& text);

}  // namespace ember::ctltest
