#include "cmd/emberctl/output.hpp"

#include <ostream>

namespace ember::ctl {
namespace {

// Bytes that are not UTF-8 (a server may send any) become U+FFFD instead of
// making the dump throw.
std::string dump(const nlohmann::ordered_json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

int exit_code_for(const Status& status) {
  switch (status.code()) {
    case Code::ok:
      return kExitOk;
    case Code::unavailable:
      return kExitUnavailable;
    case Code::deadline_exceeded:
      return kExitDeadline;
    default:
      return kExitFailed;
  }
}

Output::Output(bool json, std::ostream& out, std::ostream& err)
    : json_(json), out_(out), err_(err) {}

void Output::record(const nlohmann::ordered_json& fields) {
  if (json_) {
    out_ << dump(fields) << '\n';
  } else {
    human_fields(fields);
  }
  out_.flush();
}

void Output::text(const std::string& text) {
  out_ << text;
  out_.flush();
}

void Output::human_fields(const nlohmann::ordered_json& fields) {
  for (const auto& item : fields.items()) {
    const auto& value = item.value();
    if (value.is_object()) {
      human_fields(value);
      continue;
    }
    out_ << item.key() << ':';
    // Strings print bare; an empty one leaves no trailing blank.
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      if (!text.empty()) out_ << ' ' << text;
    } else {
      out_ << ' ' << dump(value);
    }
    out_ << '\n';
  }
}

void Output::document(const std::string& json_text) {
  auto parsed = nlohmann::ordered_json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    out_ << json_text << '\n';
  } else {
    out_ << (json_ ? dump(parsed) : dump(parsed, 2)) << '\n';
  }
  out_.flush();
}

void Output::error(const Status& status) {
  if (json_) {
    nlohmann::ordered_json e = {{"code", code_name(status.code())}, {"message", status.message()}};
    err_ << dump(e) << '\n';
  } else {
    err_ << "error: " << status.ToString() << '\n';
  }
  err_.flush();
}

}  // namespace ember::ctl
