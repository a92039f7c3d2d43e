#include "shim/vmm/firecracker/firecracker_api_client.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "io/event_loop.hpp"

namespace ember::shim::firecracker {
namespace {

struct Job {
  ApiCall call;
  std::function<void(Status, FirecrackerApiClient::Response)> deliver;
};

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_NOTHING); });
}

// libcurl makes its sockets without SOCK_CLOEXEC: a VMM spawned meanwhile
// must not inherit one.
curl_socket_t open_cloexec_socket(void*, curlsocktype, curl_sockaddr* addr) {
  return ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct Headers {
  curl_slist* list = nullptr;
  ~Headers() { curl_slist_free_all(list); }
  void add(const char* h) { list = curl_slist_append(list, h); }
};

}  // namespace

struct FirecrackerApiClient::Worker {
  std::string socket_path;
  long timeout_ms = 0;
  std::mutex mu;  // guards jobs and stopping
  std::condition_variable wake;
  std::deque<Job> jobs;
  bool stopping = false;
  std::thread thread;

  void run();
  // One request on the (reused, keep-alive) handle.
  void perform(CURL* h, const Job& job);
};

void FirecrackerApiClient::Worker::run() {
  CURL* h = curl_easy_init();
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu);
      wake.wait(lock, [this] { return stopping || !jobs.empty(); });
      if (stopping) break;
      job = std::move(jobs.front());
      jobs.pop_front();
    }
    if (h == nullptr) {
      job.deliver(Status::Internal("firecracker " + job.call.what() + ": curl_easy_init failed"),
                  {});
      continue;
    }
    perform(h, job);
  }
  if (h != nullptr) curl_easy_cleanup(h);
}

void FirecrackerApiClient::Worker::perform(CURL* h, const Job& job) {
  const ApiCall& c = job.call;
  Response resp;
  char error[CURL_ERROR_SIZE] = {0};
  Headers headers;
  headers.add("Accept: application/json");
  headers.add("Expect:");  // Firecracker's server takes the body at once
  // Connections stay cached across curl_easy_reset: keep-alive works.
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  const std::string url = "http://localhost" + c.path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_cloexec_socket);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp.body);
  if (c.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    headers.add("Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, c.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(c.body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    const std::string why =
        "firecracker " + c.what() + " via " + socket_path + ": " +
        (error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc)));
    job.deliver(
        rc == CURLE_OPERATION_TIMEDOUT ? Status::DeadlineExceeded(why) : Status::Unavailable(why),
        {});
    return;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.http_status);
  job.deliver(Status::Ok(), std::move(resp));
}

FirecrackerApiClient::FirecrackerApiClient(io::EventLoop& loop, std::string socket_path,
                                           std::chrono::milliseconds timeout)
    : loop_(loop), alive_(std::make_shared<char>()), worker_(std::make_unique<Worker>()) {
  global_init_once();
  worker_->socket_path = std::move(socket_path);
  worker_->timeout_ms = static_cast<long>(timeout.count());
  worker_->thread = std::thread([w = worker_.get()] { w->run(); });
}

FirecrackerApiClient::~FirecrackerApiClient() {
  {
    std::lock_guard<std::mutex> lock(worker_->mu);
    worker_->stopping = true;
    worker_->jobs.clear();
  }
  worker_->wake.notify_one();
  worker_->thread.join();
}

void FirecrackerApiClient::send(ApiCall call, SendDone done) {
  std::weak_ptr<char> alive = alive_;
  io::EventLoop* loop = &loop_;
  Job job;
  job.call = std::move(call);
  job.deliver = [loop, alive, done = std::move(done)](Status s, Response r) {
    loop->post([alive, done, s = std::move(s), r = std::move(r)] {
      if (alive.lock()) done(s, r);
    });
  };
  {
    std::lock_guard<std::mutex> lock(worker_->mu);
    worker_->jobs.push_back(std::move(job));
  }
  worker_->wake.notify_one();
}

void FirecrackerApiClient::call(ApiCall c, CallDone done) {
  ApiCall copy = c;
  send(std::move(c), [copy = std::move(copy), done = std::move(done)](Status s, Response r) {
    if (s.ok()) s = status_of(copy, r.http_status, r.body);
    done(s, s.ok() ? std::move(r.body) : std::string());
  });
}

}  // namespace ember::shim::firecracker
