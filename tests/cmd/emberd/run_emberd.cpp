#include "tests/cmd/emberd/run_emberd.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>

#include "base/files.hpp"
#include "tests/support/emberd_harness.hpp"

extern char** environ;

namespace ember::emberdtest {

EmberdRun run_emberd(const std::string& work_dir, const std::vector<std::string>& args) {
  const std::string out_path = work_dir + "/emberd.out", err_path = work_dir + "/emberd.err";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> argv_s = {EMBERD_PATH};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  EmberdRun run;
  const int rc = ::posix_spawn(&pid, EMBERD_PATH, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return run;
  // Every run here ends before serving; one that serves never exits alone.
  run.exited = e2e::wait_process_exit(pid, std::chrono::seconds(20));
  if (!run.exited) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(out_path).value_or("");
  run.err = read_file(err_path).value_or("");
  return run;
}

}  // namespace ember::emberdtest
