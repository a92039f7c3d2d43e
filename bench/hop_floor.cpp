// hop_floor: the round-trip time of bare bytes over unix stream sockets,
// several paths side by side. bench/fleet.sh points it at an echo (socat's
// PIPE) reached directly, through a relay process that only copies, and
// through a relay that copies onto TCP over the fleet's veth: the difference
// is what one more process on the path costs on this machine before it does
// any work, the floor under the fleet front's added cost. Closed loop, one
// message in flight per path, paths interleaved in blocks so load drifts hit
// them all alike. Prints one JSON object on stdout.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/unique_fd.hpp"
#include "bench/lib/stats.hpp"
#include "io/unix_socket.hpp"

namespace {

using namespace ember::bench;

struct Path {
  std::string name;
  std::string socket;
  ember::UniqueFd fd;
  Samples samples;
};

// NAME=SOCKET
bool parse_path(const std::string& arg, Path& out) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) return false;
  out.name = arg.substr(0, eq);
  out.socket = arg.substr(eq + 1);
  return true;
}

// One message out and the same number of bytes back.
bool round_trip(Path& p, std::vector<char>& buf) {
  if (::write(p.fd.get(), buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
    return false;
  }
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t r = ::read(p.fd.get(), buf.data() + got, buf.size() - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

bool run_block(Path& p, std::vector<char>& buf, size_t n, bool keep) {
  for (size_t i = 0; i < n; ++i) {
    auto start = Clock::now();
    if (!round_trip(p, buf)) return false;
    if (keep) p.samples.add(start, Clock::now());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"round trips of bare bytes over unix sockets, paths side by side"};
  std::vector<std::string> args;
  size_t count = 10000, block = 100, bytes = 150, warmup = 500;
  app.add_option("--path", args, "NAME=SOCKET, repeated; the first is the baseline")->required();
  app.add_option("-n,--count", count, "round trips measured per path");
  app.add_option("--block", block, "round trips per path before the next path's turn");
  app.add_option("--bytes", bytes, "message size")->check(CLI::Range(1, 65536));
  app.add_option("--warmup", warmup, "round trips per path first, not measured");
  CLI11_PARSE(app, argc, argv);
  if (block == 0) block = 1;

  std::vector<Path> paths(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (!parse_path(args[i], paths[i])) {
      std::cerr << "error: --path must be NAME=SOCKET, got \"" << args[i] << "\"\n";
      return 2;
    }
    ember::Status s = ember::io::connect_unix(paths[i].socket, &paths[i].fd);
    if (!s.ok()) {
      std::cerr << "error: --path " << paths[i].name << ": " << s.message() << "\n";
      return 1;
    }
  }
  std::vector<char> buf(bytes, 'x');
  for (auto& p : paths) {
    p.samples.reserve(count);
    if (!run_block(p, buf, warmup, false)) return 1;
  }
  for (size_t done = 0; done < count; done += block) {
    for (auto& p : paths) {
      if (!run_block(p, buf, std::min(block, count - done), true)) {
        std::cerr << "error: --path " << p.name << ": the echo closed or failed\n";
        return 1;
      }
    }
  }
  nlohmann::ordered_json out{
      {"mode", "hop-floor"}, {"bytes", bytes}, {"count", count}, {"block", block}};
  double base = paths[0].samples.summarize().p50_us;
  for (auto& p : paths) {
    auto s = p.samples.summarize();
    out["paths"][p.name] = to_json(s);
    out["adds_p50_us"][p.name] = s.p50_us - base;
  }
  std::cout << out.dump() << std::endl;
  return 0;
}
