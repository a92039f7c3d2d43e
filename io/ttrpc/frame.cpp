#include "io/ttrpc/frame.hpp"

#include <algorithm>
#include <cstring>

#include "google/rpc/status.pb.h"
#include "ttrpc.pb.h"

namespace ember::ttrpc {

std::string Request::metadata_value(const std::string& key) const {
  for (const auto& kv : metadata) {
    if (kv.first == key) return kv.second;
  }
  return {};
}

void encode_header(const FrameHeader& h, unsigned char out[kHeaderSize]) {
  out[0] = static_cast<unsigned char>(h.length >> 24);
  out[1] = static_cast<unsigned char>(h.length >> 16);
  out[2] = static_cast<unsigned char>(h.length >> 8);
  out[3] = static_cast<unsigned char>(h.length);
  out[4] = static_cast<unsigned char>(h.stream_id >> 24);
  out[5] = static_cast<unsigned char>(h.stream_id >> 16);
  out[6] = static_cast<unsigned char>(h.stream_id >> 8);
  out[7] = static_cast<unsigned char>(h.stream_id);
  out[8] = h.type;
  out[9] = h.flags;
}

FrameHeader decode_header(const unsigned char in[kHeaderSize]) {
  FrameHeader h;
  h.length =
      (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | uint32_t{in[3]};
  h.stream_id =
      (uint32_t{in[4]} << 24) | (uint32_t{in[5]} << 16) | (uint32_t{in[6]} << 8) | uint32_t{in[7]};
  h.type = in[8];
  h.flags = in[9];
  return h;
}

std::string encode_frame(uint32_t stream_id, uint8_t type, std::string_view body, uint8_t flags) {
  FrameHeader h;
  h.length = static_cast<uint32_t>(body.size());
  h.stream_id = stream_id;
  h.type = type;
  h.flags = flags;
  std::string out(kHeaderSize + body.size(), '\0');
  encode_header(h, reinterpret_cast<unsigned char*>(out.data()));
  if (!body.empty()) std::memcpy(out.data() + kHeaderSize, body.data(), body.size());
  return out;
}

void FrameDecoder::feed(const char* data, size_t n, std::vector<Frame>* out) {
  while (n > 0) {
    Frame f;
    bool got = false;
    size_t used = feed_one(data, n, &f, &got);
    data += used;
    n -= used;
    if (got) out->push_back(std::move(f));
  }
}

bool FrameDecoder::start_body(Frame* out) {
  header_have_ = 0;
  cur_ = decode_header(header_);
  remaining_ = cur_.length;
  const bool oversized = cur_.length > max_body_;
  const bool refused = !oversized && admit_ && !admit_(cur_);
  skipping_ = oversized || refused;
  body_ = std::string();  // no reserve: memory follows the bytes that arrive
  in_body_ = remaining_ > 0;
  if (skipping_ || !in_body_) {
    *out = Frame{cur_, std::string(), oversized, refused};
    return true;
  }
  return false;
}

// Grows geometrically like std::string, but never past the announced length.
void FrameDecoder::append_body(const char* data, size_t n) {
  const size_t need = body_.size() + n;
  if (need > body_.capacity()) {
    size_t want = std::max<size_t>({need, body_.capacity() * 2, 4096});
    body_.reserve(std::min<size_t>(want, cur_.length));
  }
  body_.append(data, n);
}

size_t FrameDecoder::feed_one(const char* data, size_t n, Frame* out, bool* got) {
  *got = false;
  size_t used = 0;
  while (used < n) {
    if (!in_body_) {
      size_t take = std::min(n - used, kHeaderSize - header_have_);
      std::memcpy(header_ + header_have_, data + used, take);
      header_have_ += take;
      used += take;
      if (header_have_ < kHeaderSize) return used;
      if (start_body(out)) {
        *got = true;
        return used;
      }
      continue;
    }
    size_t take = std::min<size_t>(n - used, remaining_);
    if (!skipping_) append_body(data + used, take);
    used += take;
    remaining_ -= static_cast<uint32_t>(take);
    if (remaining_ == 0) {
      in_body_ = false;
      const bool kept = !skipping_;
      skipping_ = false;
      if (kept) {
        *out = Frame{cur_, std::move(body_), false, false};
        body_ = std::string();
        *got = true;
        return used;
      }
    }
  }
  return used;
}

Status decode_request(std::string_view body, Request* out) {
  ::ttrpc::Request pb;
  if (!pb.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("undecodable ttrpc request (" + std::to_string(body.size()) +
                                   " bytes)");
  }
  out->service = std::move(*pb.mutable_service());
  out->method = std::move(*pb.mutable_method());
  out->payload = std::move(*pb.mutable_payload());
  out->timeout_nano = pb.timeout_nano();
  out->metadata.clear();
  out->metadata.reserve(pb.metadata_size());
  for (auto& kv : *pb.mutable_metadata()) {
    out->metadata.emplace_back(std::move(*kv.mutable_key()), std::move(*kv.mutable_value()));
  }
  out->peer = PeerCred{};
  return Status::Ok();
}

std::string encode_request(const Request& req) {
  ::ttrpc::Request pb;
  pb.set_service(req.service);
  pb.set_method(req.method);
  pb.set_payload(req.payload);
  pb.set_timeout_nano(req.timeout_nano);
  for (const auto& [k, v] : req.metadata) {
    auto* kv = pb.add_metadata();
    kv->set_key(k);
    kv->set_value(v);
  }
  return pb.SerializeAsString();
}

std::string encode_response(const Status& status, std::string_view payload) {
  ::ttrpc::Response pb;
  // Always present, even for OK (code 0): ttrpc-go's client dereferences it.
  auto* st = pb.mutable_status();
  st->set_code(static_cast<int32_t>(status.code()));
  st->set_message(status.message());
  pb.set_payload(payload.data(), payload.size());
  return pb.SerializeAsString();
}

bool decode_response(std::string_view body, CallResult* out) {
  ::ttrpc::PeerResponse pb;  // tolerates a status message that is not UTF-8
  if (!pb.ParseFromArray(body.data(), static_cast<int>(body.size()))) return false;
  out->status = Status(static_cast<Code>(pb.status().code()), pb.status().message());
  out->payload = std::move(*pb.mutable_payload());
  return true;
}

}  // namespace ember::ttrpc
