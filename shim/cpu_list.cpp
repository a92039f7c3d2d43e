#include "shim/cpu_list.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/files.hpp"

namespace ember::shim {
namespace {

// A decimal number without sign, spaces or leading '+'.
bool parse_number(const std::string& s, int* out) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = std::atoi(s.c_str());
  return *out <= kMaxListedId;
}

Status read_list_file(const std::string& path, std::vector<int>* out) {
  std::string text;
  Status s = read_file(path, &text);
  if (!s.ok()) return s;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return parse_id_list(path, text, out);
}

}  // namespace

Status parse_id_list(const std::string& what, const std::string& text, std::vector<int>* out) {
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(what + " \"" + text + "\" " + why);
  };
  if (text.empty()) return bad("is empty");
  std::vector<int> ids;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    const bool ok = dash == std::string::npos
                        ? parse_number(item, &first) && parse_number(item, &last)
                        : parse_number(item.substr(0, dash), &first) &&
                              parse_number(item.substr(dash + 1), &last);
    if (!ok) {
      return bad("is not a list such as 0-3,8 (numbers up to " + std::to_string(kMaxListedId) +
                 ")");
    }
    if (first > last) return bad("has a range that goes down: " + item);
    for (int i = first; i <= last; ++i)
      ids.push_back(i);
    start = comma + 1;
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  *out = std::move(ids);
  return Status::Ok();
}

Status online_cpus(std::vector<int>* out) {
  return read_list_file("/sys/devices/system/cpu/online", out);
}

Status online_memory_nodes(std::vector<int>* out) {
  if (::access("/sys/devices/system/node", F_OK) != 0) {
    *out = {0};
    return Status::Ok();
  }
  return read_list_file("/sys/devices/system/node/online", out);
}

std::string format_id_list(const std::vector<int>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1)
      ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(ids[i]);
    if (j > i) out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace ember::shim
