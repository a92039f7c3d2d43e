// emberctl: command-line client for ember's fccontrol API. See docs/cli.md.
#include "cmd/emberctl/cli.hpp"

int main(int argc, char** argv) {
  return ember::ctl::run_cli(argc, argv);
}
