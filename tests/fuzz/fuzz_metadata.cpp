// libFuzzer target: the shim's metadata document (SetVMMetadata,
// UpdateVMMetadata, GetVMMetadata). The input is a sequence of set / update /
// get operations (format in metadata_ops.hpp); after each one the store must
// have kept its promises: documented codes only, failures change nothing,
// set stores what it parsed, update follows RFC 7396, get() is a compact JSON
// object within the limits that set() takes back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/metadata_ops.hpp"

namespace {

// Strict by default: the number-overflow bug it found is fixed. Known bugs
// can be stepped over again by naming them here while a fix is pending.
ember::fuzz::KnownBugs known = ember::fuzz::KnownBugs::strict;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* strict = std::getenv("EMBER_FUZZ_STRICT");
  if (strict && std::string(strict) == "1") known = ember::fuzz::KnownBugs::strict;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string broken = ember::fuzz::replay_metadata_ops(data, size, known);
  if (!broken.empty()) {
    std::fprintf(stderr, "metadata store promise broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
