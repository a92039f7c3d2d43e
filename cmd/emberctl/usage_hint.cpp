#include "cmd/emberctl/usage_hint.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

#include <CLI/CLI.hpp>

namespace ember::ctl {
namespace {

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

const CLI::App* find_subcommand(const CLI::App& app, std::string_view name) {
  for (const CLI::App* sub : subcommands_of(app)) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// "emberctl vm create": the path of subcommands down to app.
std::string command_path(const CLI::App* app) {
  std::string out;
  for (; app != nullptr; app = app->get_parent())
    out = out.empty() ? app->get_name() : app->get_name() + " " + out;
  return out;
}

// The known name closest to word, if close enough to be a slip of the hand.
std::string nearest(std::string_view word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& k : known) {
    size_t d = edit_distance(word, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

std::string unknown(const char* what, const std::string& word, const CLI::App* at,
                    const std::vector<std::string>& known) {
  std::string out =
      std::string("unknown ") + what + " \"" + word + "\" for \"" + command_path(at) + "\"";
  std::string close = nearest(word, known);
  if (!close.empty()) return out + "; did you mean \"" + close + "\"?";
  return out + "; see " + command_path(at) + " --help";
}

// Long option names ("--vcpus") of app and of the commands above it (global
// options may follow a subcommand).
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* opt : app->get_options()) {
      for (const std::string& n : opt->get_lnames())
        out.push_back("--" + n);
    }
  }
  return out;
}

const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* opt = app->get_option_no_throw(name)) return opt;
  }
  return nullptr;
}

std::vector<std::string> names_of(const std::vector<const CLI::App*>& apps) {
  std::vector<std::string> out;
  for (const CLI::App* a : apps)
    out.push_back(a->get_name());
  return out;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string usage_hint(const CLI::App& root, const std::vector<std::string>& args) {
  const CLI::App* at = &root;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") break;
    // An option; "-5" is a (negative) value, which the option checks refuse.
    if (word.size() > 1 && word[0] == '-' && !std::isdigit(static_cast<unsigned char>(word[1]))) {
      const std::string name = word.substr(0, word.find('='));
      const CLI::Option* opt = find_option(at, name);
      if (opt == nullptr) return unknown("option", name, at, option_names(at));
      if (opt->get_expected_min() > 0 && name.size() == word.size()) ++i;  // its value
      continue;
    }
    if (const CLI::App* sub = find_subcommand(*at, word)) {
      at = sub;
      continue;
    }
    // A word where only a subcommand fits (a group like "vm" has no positionals).
    if (!subcommands_of(*at).empty() &&
        at->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
      return unknown("subcommand", word, at, names_of(subcommands_of(*at)));
    }
  }
  const auto subs = subcommands_of(*at);
  if (!subs.empty() &&
      at->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()) {
    std::string list;
    for (const std::string& n : names_of(subs))
      list += (list.empty() ? "" : ", ") + n;
    return "\"" + command_path(at) + "\" needs a subcommand: " + list;
  }
  return "";
}

}  // namespace ember::ctl
