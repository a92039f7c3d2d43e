#pragma once
// "Did you mean": when CLI11 refuses a command line, the word it could not
// place and the closest subcommand or option emberctl knows at that point.
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace ember::ctl {

// A sentence naming the unknown subcommand or option (with the nearest known
// name when one is close), or the subcommands a group needs; "" when the
// command line has no such word.
std::string usage_hint(const CLI::App& root, const std::vector<std::string>& args);

// Levenshtein distance (insertions, deletions, substitutions).
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ember::ctl
