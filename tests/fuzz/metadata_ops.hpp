#pragma once
// Replays a byte string as a sequence of MetadataStore operations and checks
// the store's promises after each one. Shared by the libFuzzer target
// (fuzz_metadata) and the regression test that replays saved inputs.
//
// Input format: records separated by a NUL byte. A record's first byte picks
// the operation (its value modulo 3: 0 set, 1 update, 2 get; '0', '1' and '2'
// read well in seed files), the rest is the JSON text passed to it.
#include <cstddef>
#include <cstdint>
#include <string>

namespace ember::fuzz {

// Known, reported store bugs the fuzzer steps over (so that it keeps looking
// for new ones); the regression test reproduces them in strict mode.
enum class KnownBugs {
  strict,
  // MetadataStore lets nlohmann's out_of_range.406 (a number beyond double's
  // range, e.g. 1e400) escape set()/update() instead of INVALID_ARGUMENT.
  tolerate_number_overflow,
};

// "" when every promise held, else a description of the first one broken.
std::string replay_metadata_ops(const uint8_t* data, size_t size,
                                KnownBugs known = KnownBugs::strict);

}  // namespace ember::fuzz
