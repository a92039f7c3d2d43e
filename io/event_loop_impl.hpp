#pragma once
// Internal to io/*.cpp: EventLoop::Impl, i.e. the io_context behind the loop.
// Includes Asio, so it must never be included from a public header.
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "io/event_loop.hpp"

namespace ember::io {

struct EventLoop::Impl {
  asio::io_context ctx;  // first member: destroyed last, after every I/O object
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  std::atomic<bool> stopped{false};
  std::atomic<WatchId> next_id{1};

  struct Watch;   // an fd wait or a timer (defined in event_loop.cpp)
  std::mutex mu;  // guards watches
  std::unordered_map<WatchId, std::unique_ptr<Watch>> watches;

  Impl();
  ~Impl();
  bool in_loop_thread() const;
  // Runs fn now when called on the loop thread, else posts it.
  void dispatch(std::function<void()> fn);
};

}  // namespace ember::io
