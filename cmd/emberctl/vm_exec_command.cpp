// vm exec ID -- CMD...: runs a command in the guest through the guest agent
// (the virtio-serial port org.ember.agent.0, agent.sock in the VM directory;
// qemu backend with the ember guest image). The agent runs one line with sh
// and answers with the output (stdout and stderr together), then
// "__RC=<exit code>". emberctl prints the output and exits with that code.
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "cmd/emberctl/vm_dir_lookup.hpp"
#include "io/unix_socket.hpp"

namespace ember::ctl {
namespace {

constexpr const char* kAgentSocket = "agent.sock";
constexpr const char* kRcPrefix = "__RC=";

struct ExecOptions {
  std::string id;
  std::vector<std::string> command;
};

// One argument quoted for sh: 'it'\''s'.
std::string sh_quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The command line the agent runs; the agent reads lines, so no newline.
Status command_line(const std::vector<std::string>& args, std::string* line) {
  line->clear();
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].find_first_of("\r\n") != std::string::npos)
      return Status::InvalidArgument("CMD argument " + std::to_string(i + 1) +
                                     " holds a line break, which the guest agent cannot take");
    *line += (i ? " " : "") + sh_quote(args[i]);
  }
  *line += "\n";
  return Status::Ok();
}

// Reads the agent's reply up to its "__RC=<n>" line; the output before it in
// *output, the code in *rc.
Status read_reply(int fd, std::chrono::milliseconds timeout, std::string* output, int* rc) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string got;
  char buf[16 * 1024];
  for (;;) {
    const size_t at = got.rfind(kRcPrefix);
    if (at != std::string::npos && (at == 0 || got[at - 1] == '\n') &&
        got.find('\n', at) != std::string::npos) {
      *output = got.substr(0, at);
      *rc = std::atoi(got.c_str() + at + 5);
      return Status::Ok();
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0)
      return Status::DeadlineExceeded("the guest agent did not answer within " +
                                      std::to_string(timeout.count()) + " ms");
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return Status::Unavailable("the guest agent closed the connection");
    got.append(buf, static_cast<size_t>(r));
  }
}

Status run_exec(const ExecOptions& o, Invocation& inv) {
  std::string line;
  if (Status s = command_line(o.command, &line); !s.ok()) return s;
  std::string dir;
  if (Status s = vm_dir_of(inv, o.id, &dir); !s.ok()) return s;
  UniqueFd sock;
  Status s = io::connect_unix(dir + "/" + kAgentSocket, &sock);
  if (s.code() == Code::not_found)
    return Status::FailedPrecondition("VM " + o.id + " has no guest agent port (" + dir + "/" +
                                      kAgentSocket + "; only the qemu backend offers one)");
  if (!s.ok()) return s;
  if (::write(sock.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Status::FromErrno("write to the guest agent", errno);
  const double seconds = inv.globals().timeout_seconds > 0 ? inv.globals().timeout_seconds : 30;
  std::string output;
  int rc = 0;
  s = read_reply(sock.get(), std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)),
                 &output, &rc);
  if (!s.ok()) return s;
  if (inv.output().json())
    inv.output().record({{"VMID", o.id}, {"ExitCode", rc}, {"Output", output}});
  else
    inv.output().text(output);
  inv.set_exit_code(rc);
  return Status::Ok();
}

}  // namespace

void add_vm_exec_command(CLI::App& vm, Action* chosen) {
  auto o = std::make_shared<ExecOptions>();
  CLI::App* sub = vm.add_subcommand(
      "exec", "Run a command in the guest through its agent; exits with the command's code");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("CMD", o->command, "the command and its arguments (after --)")->required();
  sub->callback([o, chosen] { *chosen = [o](Invocation& inv) { return run_exec(*o, inv); }; });
}

}  // namespace ember::ctl
