// The production fleet links (actors/fleet_links.hpp) over 127.0.0.1: two
// actor systems in this process, each with libcaf_openssl and its own
// certificate from deploy/fleet-certs.sh. A member whose certificate the
// fleet CA signed links and answers; one from another CA is refused, and so
// is a front the member does not trust; a closed port is a plain failure.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "actors/fleet.hpp"
#include "actors/fleet_links.hpp"
#include "actors/loop_coordinator.hpp"
#include "actors/middleman_on_loop.hpp"
#include "base/files.hpp"
#include "config/config.hpp"
#include "io/event_loop.hpp"
#include "tests/support/temp_tree.hpp"

namespace ember::actors {
namespace {

// A member that answers reports with its name: enough to see a message cross.
// The bool is there for CAF 0.17: an argument-less spawn dereferences a null
// std::tuple<> (UBSan halts on it).
msg::fleet_member_actor::behavior_type fake_member(msg::fleet_member_actor::pointer, bool) {
  return {
      [](msg::call_atom, msg::VmKey&, msg::VmCall&) { return msg::RpcReply{}; },
      [](msg::report_atom, bool with_vms) {
        msg::MemberReport r;
        r.member = "m1";
        r.with_vms = with_vms;
        r.capacity.max_vms = 7;
        return r;
      },
      [](msg::list_atom, std::string&, bool) { return std::vector<msg::VmSummary>{}; },
      [](msg::watch_atom, caf::actor&) {},
      [](msg::host_atom, uint64_t, uint64_t) {},
  };
}

// One side of a link: an actor system with the middleman and TLS. Given a
// loop, it is set up as emberd's: actors and the middleman's I/O on the loop.
struct Node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<MiddlemanOnLoop> middleman;    // ended before the system
  std::vector<msg::fleet_member_actor> members;  // ended before the system
  Node(const std::string& dir, const std::string& name, io::EventLoop* loop = nullptr) {
    if (loop != nullptr) schedule_actors_on(*loop, cfg);
    configure_fleet_tls(cfg, config::FleetTls{dir + "/ca.pem", dir + "/" + name + ".pem",
                                              dir + "/" + name + ".key"});
    if (loop != nullptr) drive_middleman_from_loop(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    if (loop != nullptr) middleman = std::make_unique<MiddlemanOnLoop>(*loop, *sys, cfg);
  }
  ~Node() {
    for (auto& m : members)
      caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
  }
  msg::fleet_member_actor spawn_member() {
    members.push_back(sys->spawn(fake_member, true));
    return members.back();
  }
};

class FleetLinksTest : public ::testing::Test {
 protected:
  FleetLinksTest() {
    make_certs("fleet", "front m1");
    make_certs("other", "m1 front");
  }

  void make_certs(const std::string& dir, const std::string& names) {
    const std::string cmd =
        std::string(EMBER_FLEET_CERTS) + " " + tree_ / dir + " " + names + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  // The member, published with TLS on an ephemeral port of 127.0.0.1.
  uint16_t publish_member(Node& member) {
    uint16_t port = 0;
    Status s = publish_fleet_member(member.spawn_member(), "127.0.0.1", 0, &port);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return port;
  }

  // The front's link request through links: the member, or the error.
  static caf::expected<msg::fleet_member_actor> link_via(Node& front,
                                                         const msg::fleet_link_actor& links,
                                                         uint16_t port) {
    caf::scoped_actor self{*front.sys};
    caf::expected<msg::fleet_member_actor> out = caf::sec::runtime_error;
    self->request(links, std::chrono::seconds(30), msg::link_atom::value, std::string("127.0.0.1"),
                  port)
        .receive([&](msg::fleet_member_actor& m) { out = m; },
                 [&](caf::error& e) { out = std::move(e); });
    return out;
  }

  // The same through links of its own, ended afterwards.
  caf::expected<msg::fleet_member_actor> link(Node& front, uint16_t port) {
    auto links = spawn_fleet_links(*front.sys);
    auto out = link_via(front, links, port);
    caf::anon_send_exit(links, caf::exit_reason::user_shutdown);
    return out;
  }

  testsupport::TempTree tree_;
};

TEST_F(FleetLinksTest, MemberSignedByTheFleetCaLinksAndAnswers) {
  Node member(tree_ / "fleet", "m1");
  Node front(tree_ / "fleet", "front");
  auto linked = link(front, publish_member(member));
  ASSERT_TRUE(linked) << front.sys->render(linked.error());
  caf::scoped_actor self{*front.sys};
  self->request(*linked, std::chrono::seconds(30), msg::report_atom::value, true)
      .receive(
          [](msg::MemberReport& r) {
            EXPECT_EQ(r.member, "m1");
            EXPECT_TRUE(r.with_vms);
            EXPECT_EQ(r.capacity.max_vms, 7u);
          },
          [&](caf::error& e) { ADD_FAILURE() << front.sys->render(e); });
}

// Asks m for 20 reports in a row, then tells done how many answered as m1.
void ask_reports(caf::event_based_actor* a, msg::fleet_member_actor m, int n,
                 std::promise<int>* done) {
  if (n == 20) {
    done->set_value(n);
    a->quit();
    return;
  }
  a->request(m, std::chrono::seconds(10), msg::report_atom::value, n % 2 == 0)
      .then(
          [a, m, n, done](msg::MemberReport& r) {
            if (r.member == "m1") return ask_reports(a, m, n + 1, done);
            done->set_value(n);
            a->quit();
          },
          [a, n, done](caf::error&) {
            done->set_value(n);
            a->quit();
          });
}

// The threads of this process CAF named for its multiplexer.
int multiplexer_threads() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task"))
    if (read_file(e.path().string() + "/comm").value_or("").rfind("caf.multiplexer", 0) == 0) ++n;
  return n;
}

// emberd's set-up (actors/middleman_on_loop.hpp): each side's TLS link runs
// on its own event loop, with no multiplexer thread, and still refuses a
// member from another CA.
TEST_F(FleetLinksTest, LinksRunOnEachSidesEventLoop) {
  io::EventLoop member_loop, front_loop, other_loop;
  member_loop.start_thread();
  front_loop.start_thread();
  other_loop.start_thread();
  {
    Node member(tree_ / "fleet", "m1", &member_loop);
    Node front(tree_ / "fleet", "front", &front_loop);
    Node stranger(tree_ / "other", "m1", &other_loop);
    EXPECT_EQ(multiplexer_threads(), 0);
    auto links = spawn_fleet_links(*front.sys);
    auto linked = link_via(front, links, publish_member(member));
    ASSERT_TRUE(linked) << front.sys->render(linked.error());
    // Asked by an event-based actor on the front's loop, as emberd's front does.
    std::promise<int> answered;
    front.sys->spawn([](caf::event_based_actor* a, msg::fleet_member_actor m,
                        std::promise<int>* done) { ask_reports(a, std::move(m), 0, done); },
                     *linked, &answered);
    EXPECT_EQ(answered.get_future().get(), 20);
    auto refused = link_via(front, links, publish_member(stranger));
    ASSERT_FALSE(refused) << "a stranger linked";
    EXPECT_TRUE(is_fleet_link_refused(refused.error())) << front.sys->render(refused.error());
    caf::anon_send_exit(links, caf::exit_reason::user_shutdown);
  }
}

TEST_F(FleetLinksTest, MemberFromAnotherCaIsRefusedWithAClearError) {
  Node member(tree_ / "other", "m1");
  Node front(tree_ / "fleet", "front");
  auto linked = link(front, publish_member(member));
  ASSERT_FALSE(linked);
  EXPECT_TRUE(is_fleet_link_refused(linked.error())) << front.sys->render(linked.error());
  EXPECT_NE(front.sys->render(linked.error()).find("not signed by the fleet CA"), std::string::npos)
      << front.sys->render(linked.error());
}

TEST_F(FleetLinksTest, FrontFromAnotherCaIsRefusedByTheMember) {
  Node member(tree_ / "fleet", "m1");
  Node front(tree_ / "other", "front");
  auto linked = link(front, publish_member(member));
  ASSERT_FALSE(linked);
  EXPECT_TRUE(is_fleet_link_refused(linked.error())) << front.sys->render(linked.error());
}

// OpenSSL 3 leaves a refused handshake's error on the thread's queue; CAF
// 0.17 does not empty it, so without actors/openssl_error_queue.cpp the next
// would-block read of the healthy link failed and CAF closed it.
TEST_F(FleetLinksTest, RefusedPeerDoesNotBreakAHealthyLink) {
  Node good(tree_ / "fleet", "m1");
  Node bad(tree_ / "other", "m1");
  Node front(tree_ / "fleet", "front");
  auto links = spawn_fleet_links(*front.sys);
  caf::scoped_actor self{*front.sys};
  auto healthy = link_via(front, links, publish_member(good));
  ASSERT_TRUE(healthy) << front.sys->render(healthy.error());
  const uint16_t bad_port = publish_member(bad);
  for (int i = 0; i < 3; ++i) {
    auto refused = link_via(front, links, bad_port);
    ASSERT_FALSE(refused);
    for (int j = 0; j < 3; ++j)
      self->request(*healthy, std::chrono::seconds(10), msg::report_atom::value, false)
          .receive([](msg::MemberReport& r) { EXPECT_EQ(r.member, "m1"); },
                   [&](caf::error& e) { FAIL() << front.sys->render(e); });
  }
  caf::anon_send_exit(links, caf::exit_reason::user_shutdown);
}

TEST_F(FleetLinksTest, ClosedPortIsAFailureNotARefusal) {
  Node front(tree_ / "fleet", "front");
  uint16_t port = 0;
  {
    Node member(tree_ / "fleet", "m1");
    port = publish_member(member);
  }  // the member's system is gone, and its port closed with it
  auto linked = link(front, port);
  ASSERT_FALSE(linked);
  EXPECT_FALSE(is_fleet_link_refused(linked.error()));
  EXPECT_NE(front.sys->render(linked.error()).find("cannot connect to 127.0.0.1:"),
            std::string::npos)
      << front.sys->render(linked.error());
}

TEST_F(FleetLinksTest, PortInUseIsUnavailable) {
  Node first(tree_ / "fleet", "m1");
  Node second(tree_ / "fleet", "m1");
  const uint16_t port = publish_member(first);
  uint16_t bound = 0;
  Status s = publish_fleet_member(second.spawn_member(), "127.0.0.1", port, &bound);
  EXPECT_EQ(s.code(), Code::unavailable) << s.ToString();
  EXPECT_NE(s.message().find("fleet.listen 127.0.0.1:" + std::to_string(port) +
                             ": cannot publish the fleet member there (the port is in use"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace ember::actors
