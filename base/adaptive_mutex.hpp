#pragma once
// AdaptiveMutex: a mutex that spins briefly before it sleeps (glibc's
// PTHREAD_MUTEX_ADAPTIVE_NP). For locks held for a few hundred nanoseconds
// by several busy threads, where a futex sleep and wake-up would cost more
// than the wait. Lockable: use it with std::lock_guard, std::unique_lock and
// std::condition_variable_any.
#include <pthread.h>

namespace ember {

class AdaptiveMutex {
 public:
  AdaptiveMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&mu_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~AdaptiveMutex() { pthread_mutex_destroy(&mu_); }
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  void lock() { pthread_mutex_lock(&mu_); }
  bool try_lock() { return pthread_mutex_trylock(&mu_) == 0; }
  void unlock() { pthread_mutex_unlock(&mu_); }

 private:
  pthread_mutex_t mu_;
};

}  // namespace ember
