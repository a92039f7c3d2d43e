#include "shim/vmm/vmm_fifo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno_status.hpp"

namespace ember::shim {

Status VmmFifo::open(const std::string& field, const std::string& path,
                     std::unique_ptr<VmmFifo>* out) {
  bool made = ::mkfifo(path.c_str(), 0600) == 0;
  if (!made && errno != EEXIST) return errno_status(field + ": mkfifo " + path, errno);
  std::unique_ptr<VmmFifo> fifo(new VmmFifo(path, made));
  // O_NOFOLLOW and the check after the open: it is the FIFO we meant.
  fifo->fd_.reset(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW));
  if (!fifo->fd_) return errno_status(field + ": open " + path, errno);
  struct stat st {};
  if (::fstat(fifo->fd_.get(), &st) != 0 || !S_ISFIFO(st.st_mode)) {
    return Status::InvalidArgument(field + " " + path + " exists and is not a FIFO");
  }
  *out = std::move(fifo);
  return Status::Ok();
}

VmmFifo::~VmmFifo() {
  if (made_) ::unlink(path_.c_str());
}

void VmmFifo::write_line(const std::string& line) {
  const std::string text = line + "\n";
  // Writes up to PIPE_BUF bytes are atomic: all or EAGAIN. Longer lines may
  // be cut by a full pipe; the VMM's lines are shorter.
  if (::write(fd_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ++dropped_;
  }
}

}  // namespace ember::shim
