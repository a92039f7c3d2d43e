#pragma once
// Runs the emberd under test to its exit, for the checks it makes before it
// serves (command line, config, start-up checks): a run that would serve is
// killed at the timeout and reported as such.
#include <string>
#include <vector>

namespace ember::emberdtest {

struct EmberdRun {
  bool exited = false;  // false: still running at the timeout (killed)
  int exit_code = -1;   // 128 + signal number if it was killed
  std::string out;      // stdout
  std::string err;      // stderr (its log)
};

// EMBERD_PATH with args, its output in files under work_dir.
EmberdRun run_emberd(const std::string& work_dir, const std::vector<std::string>& args);

}  // namespace ember::emberdtest
