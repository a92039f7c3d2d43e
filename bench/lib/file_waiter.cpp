#include "bench/lib/file_waiter.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_map>

#include "base/unique_fd.hpp"
#include "io/event_loop.hpp"

namespace ember::bench {

struct FileWaiter::State {
  io::EventLoop* loop = nullptr;
  UniqueFd inotify;
  struct Wait {
    std::string path;  // dir/name
    std::string name;
    std::string marker;  // "": existence is enough
    off_t read_to = 0;   // bytes of the file searched so far
    std::string tail;    // last marker.size()-1 bytes read (a marker may straddle reads)
    Done done;
  };
  std::unordered_map<int, Wait> waits;  // by watch descriptor; loop thread
};

namespace {

using Wait = FileWaiter::State::Wait;

// Reads what the file gained since the last look; true once the marker (or,
// without one, the file) is there.
bool found(Wait& w) {
  UniqueFd fd(::open(w.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  if (w.marker.empty()) return true;
  char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::pread(fd.get(), buf, sizeof buf, w.read_to);
    if (n <= 0) return false;
    w.read_to += n;
    std::string text = w.tail + std::string(buf, static_cast<size_t>(n));
    if (text.find(w.marker) != std::string::npos) return true;
    const size_t keep = w.marker.size() - 1;
    w.tail = text.size() > keep ? text.substr(text.size() - keep) : text;
  }
}

void complete(FileWaiter::State& st, int wd, const Status& s) {
  auto it = st.waits.find(wd);
  if (it == st.waits.end()) return;
  FileWaiter::Done done = std::move(it->second.done);
  st.waits.erase(it);
  ::inotify_rm_watch(st.inotify.get(), wd);
  done(s);
}

void arm(const std::shared_ptr<FileWaiter::State>& st);

void drain(const std::shared_ptr<FileWaiter::State>& st) {
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(st->inotify.get(), buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: all read
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      auto it = st->waits.find(ev->wd);
      if (it == st->waits.end()) continue;
      if ((ev->mask & (IN_DELETE_SELF | IN_IGNORED)) != 0) {
        complete(*st, ev->wd, Status::Unavailable("the directory was removed first"));
      } else if (ev->len > 0 && it->second.name == ev->name && found(it->second)) {
        complete(*st, ev->wd, Status::Ok());
      }
    }
  }
  arm(st);
}

void arm(const std::shared_ptr<FileWaiter::State>& st) {
  st->loop->watch_readable(st->inotify.get(), [st] { drain(st); });
}

}  // namespace

FileWaiter::FileWaiter(io::EventLoop& loop) : loop_(loop), state_(std::make_shared<State>()) {
  state_->loop = &loop_;
}

Status FileWaiter::start() {
  state_->inotify.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!state_->inotify) return Status::FromErrno("inotify_init1", errno);
  arm(state_);
  return Status::Ok();
}

Status FileWaiter::wait(const std::string& dir, const std::string& name, const std::string& marker,
                        Done done, int* key) {
  // Watch first, then look: a file made (or written) between the two is not
  // missed. IN_MODIFY on a directory reports writes to the files in it.
  const int wd = ::inotify_add_watch(
      state_->inotify.get(), dir.c_str(),
      IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_ONLYDIR);
  if (wd < 0) return Status::FromErrno("inotify_add_watch " + dir, errno);
  Wait& w = state_->waits[wd];
  w = Wait{dir + "/" + name, name, marker, 0, std::string(), std::move(done)};
  *key = wd;
  if (found(w)) {
    auto st = state_;
    loop_.post([st, wd] { complete(*st, wd, Status::Ok()); });
  }
  return Status::Ok();
}

void FileWaiter::cancel(int key) {
  if (state_->waits.erase(key) > 0) ::inotify_rm_watch(state_->inotify.get(), key);
}

}  // namespace ember::bench
