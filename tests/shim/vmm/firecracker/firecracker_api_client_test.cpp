// FirecrackerApiClient against fake Firecracker's HTTP server running in this
// process on a real unix socket.
#include "shim/vmm/firecracker/firecracker_api_client.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "io/event_loop.hpp"
#include "io/unix_socket.hpp"
#include "tests/shim/vmm/firecracker/firecracker_fake_http.hpp"
#include "tests/shim/vmm/firecracker/firecracker_test_support.hpp"

namespace ember::shim::firecracker {
namespace {

struct Answer {
  Status status;
  std::string body;
};

class FirecrackerApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_.start_thread(); }
  void TearDown() override {
    on_loop([this] { client_.reset(); });
    if (serving_.joinable()) {
      server_.stop();
      serving_.join();
    }
  }

  void serve(std::size_t max_payload = 51200) {
    ASSERT_TRUE(server_.listen(socket_, max_payload).ok());
    serving_ = std::thread([this] {
      server_.serve([this](const fakefc::HttpRequest& r) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          seen_.push_back(r);
        }
        return fake_.handle(r);
      });
    });
  }

  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop_.post([&] {
      fn();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(fctest::kDeadline), std::future_status::ready);
  }

  void make_client(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    on_loop([&] { client_ = std::make_unique<FirecrackerApiClient>(loop_, socket_, timeout); });
  }

  Answer call(ApiCall c) {
    std::promise<Answer> p;
    on_loop([&] {
      client_->call(std::move(c), [&](Status s, std::string body) {
        EXPECT_TRUE(loop_.in_loop_thread());
        p.set_value({s, std::move(body)});
      });
    });
    auto f = p.get_future();
    if (f.wait_for(fctest::kDeadline) != std::future_status::ready) {
      return {Status::DeadlineExceeded("test: no completion"), ""};
    }
    return f.get();
  }

  std::vector<fakefc::HttpRequest> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  fctest::FcTree tree_;
  std::string socket_ = tree_.path() + "/api.sock";
  io::EventLoop loop_;
  fakefc::FakeFirecracker fake_;
  fakefc::FakeHttpServer server_;
  std::thread serving_;
  std::mutex mu_;
  std::vector<fakefc::HttpRequest> seen_;
  std::unique_ptr<FirecrackerApiClient> client_;
};

TEST_F(FirecrackerApiClientTest, SendsMethodPathAndBodyAsGiven) {
  serve();
  make_client();
  const ApiCall c{"PUT", "/machine-config", R"({"vcpu_count":2,"mem_size_mib":256,"smt":false})"};
  const Answer a = call(c);
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.body, "");
  const auto got = seen();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "PUT");
  EXPECT_EQ(got[0].path, "/machine-config");
  EXPECT_EQ(got[0].body, c.body);
}

TEST_F(FirecrackerApiClientTest, GetReturnsTheJsonBody) {
  serve();
  make_client();
  const Answer a = call(get_instance_info());
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  std::string state;
  ASSERT_TRUE(parse_instance_state(a.body, &state).ok()) << a.body;
  EXPECT_EQ(state, "Not started");
  EXPECT_EQ(seen().at(0).body, "");
}

TEST_F(FirecrackerApiClientTest, AFaultBecomesAPreciseStatusWithItsText) {
  serve();
  make_client();
  const Answer a = call(patch_vm(true));
  EXPECT_EQ(a.status.code(), Code::failed_precondition);
  EXPECT_EQ(a.status.message(),
            "firecracker PATCH /vm: The requested operation is not supported before starting the "
            "microVM.");
  const Answer b = call(ApiCall{"PUT", "/metrics", R"({"metrics_path":"/x","extra":1})"});
  EXPECT_EQ(b.status.code(), Code::invalid_argument);
  EXPECT_NE(b.status.message().find("unknown field `extra`"), std::string::npos)
      << b.status.message();
}

TEST_F(FirecrackerApiClientTest, RequestsRunInTheOrderSent) {
  serve();
  make_client();
  constexpr int kCalls = 20;
  std::promise<void> all;
  std::vector<int> order;
  on_loop([&] {
    for (int i = 0; i < kCalls; ++i) {
      client_->call(patch_balloon(i), [&, i](Status, std::string) {
        order.push_back(i);
        if (order.size() == static_cast<std::size_t>(kCalls)) all.set_value();
      });
    }
  });
  ASSERT_EQ(all.get_future().wait_for(fctest::kDeadline), std::future_status::ready);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(order[i], i);
    EXPECT_EQ(seen().at(i).body, "{\"amount_mib\":" + std::to_string(i) + "}");
  }
}

TEST_F(FirecrackerApiClientTest, AnOversizedPayloadIsRefusedAsResourceExhausted) {
  serve(/*max_payload=*/64);
  make_client();
  const Answer a = call(put_mmds("{\"key\":\"" + std::string(100, 'x') + "\"}"));
  EXPECT_EQ(a.status.code(), Code::resource_exhausted) << a.status.ToString();
  EXPECT_NE(a.status.message().find("larger than the limit of 64"), std::string::npos);
  // The server closed that connection; the next call opens a new one.
  EXPECT_TRUE(call(get_mmds()).status.ok());
}

TEST_F(FirecrackerApiClientTest, NobodyListeningIsUnavailableNamingTheCall) {
  make_client();
  const Answer a = call(instance_start());
  EXPECT_EQ(a.status.code(), Code::unavailable);
  EXPECT_NE(a.status.message().find("firecracker PUT /actions via " + socket_), std::string::npos)
      << a.status.message();
}

TEST_F(FirecrackerApiClientTest, ASilentServerRunsIntoTheTimeout) {
  io::BoundSocket silent;  // listens, never accepts: the request goes unanswered
  ASSERT_TRUE(io::bind_listener(socket_, &silent).ok());
  make_client(std::chrono::milliseconds(300));
  const Answer a = call(get_instance_info());
  EXPECT_EQ(a.status.code(), Code::deadline_exceeded) << a.status.ToString();
}

TEST_F(FirecrackerApiClientTest, NoCompletionRunsAfterTheClientIsGone) {
  io::BoundSocket silent;
  ASSERT_TRUE(io::bind_listener(socket_, &silent).ok());
  make_client(std::chrono::milliseconds(200));
  bool called = false;
  on_loop([&] {
    client_->call(get_instance_info(), [&](Status, std::string) { called = true; });
    client_->call(get_mmds(), [&](Status, std::string) { called = true; });
    client_.reset();  // waits for the first (timed out), drops the second
  });
  on_loop([] {});  // anything posted meanwhile has run
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace ember::shim::firecracker
