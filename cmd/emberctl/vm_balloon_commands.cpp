// vm balloon get | set | stats | stats-interval
#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cmd/emberctl/validators.hpp"
#include "cmd/emberctl/vm_commands.hpp"
#include "fccontrol.pb.h"

namespace ember::ctl {
namespace {

struct AmountOptions {
  std::string id;
  int64_t amount = 0;  // MiB or seconds, per command
};

void add_get(CLI::App& balloon, Action* chosen) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = balloon.add_subcommand("get", "Show the balloon device (GetBalloonConfig)");
  sub->add_option("ID", *id, "VM id")->required();
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      GetBalloonConfigRequest req;
      req.set_vmid(*id);
      GetBalloonConfigResponse resp;
      Status st = inv.call("GetBalloonConfig", req, &resp, kDefaultCallTimeout);
      if (!st.ok()) return st;
      const auto& b = resp.balloonconfig();
      inv.output().record({{"BalloonConfig",
                            {{"AmountMib", b.amountmib()},
                             {"DeflateOnOom", b.deflateonoom()},
                             {"StatsPollingIntervals", b.statspollingintervals()}}}});
      return st;
    };
  });
}

void add_set(CLI::App& balloon, Action* chosen) {
  auto o = std::make_shared<AmountOptions>();
  CLI::App* sub = balloon.add_subcommand("set", "Change the balloon target (UpdateBalloon)");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("MIB", o->amount, "new balloon size in MiB (AmountMib)")
      ->required()
      ->check(non_negative());
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      UpdateBalloonRequest req;
      req.set_vmid(o->id);
      req.set_amountmib(o->amount);
      Status st = inv.call("UpdateBalloon", req, nullptr, kDefaultCallTimeout);
      if (st.ok()) {
        inv.output().record(
            {{"VMID", o->id}, {"AmountMib", o->amount}, {"Result", "balloon updated"}});
      }
      return st;
    };
  });
}

void add_stats(CLI::App& balloon, Action* chosen) {
  auto id = std::make_shared<std::string>();
  CLI::App* sub = balloon.add_subcommand("stats", "Show balloon statistics (GetBalloonStats)");
  sub->add_option("ID", *id, "VM id")->required();
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      GetBalloonStatsRequest req;
      req.set_vmid(*id);
      GetBalloonStatsResponse r;
      Status st = inv.call("GetBalloonStats", req, &r, kDefaultCallTimeout);
      if (!st.ok()) return st;
      inv.output().record({{"ActualMib", r.actualmib()},
                           {"ActualPages", r.actualpages()},
                           {"AvailableMemory", r.availablememory()},
                           {"DiskCaches", r.diskcaches()},
                           {"FreeMemory", r.freememory()},
                           {"HugetlbAllocations", r.hugetlballocations()},
                           {"HugetlbFailures", r.hugetlbfailures()},
                           {"MajorFaults", r.majorfaults()},
                           {"MinorFaults", r.minorfaults()},
                           {"SwapIn", r.swapin()},
                           {"SwapOut", r.swapout()},
                           {"TargetMib", r.targetmib()},
                           {"TargetPages", r.targetpages()},
                           {"TotalMemory", r.totalmemory()}});
      return st;
    };
  });
}

void add_stats_interval(CLI::App& balloon, Action* chosen) {
  auto o = std::make_shared<AmountOptions>();
  CLI::App* sub = balloon.add_subcommand(
      "stats-interval", "Change the statistics polling interval (UpdateBalloonStats)");
  sub->add_option("ID", o->id, "VM id")->required();
  sub->add_option("SECONDS", o->amount, "polling interval in seconds; 0 turns polling off")
      ->required()
      ->check(non_negative());
  sub->callback([=] {
    *chosen = [=](Invocation& inv) {
      UpdateBalloonStatsRequest req;
      req.set_vmid(o->id);
      req.set_statspollingintervals(o->amount);
      Status st = inv.call("UpdateBalloonStats", req, nullptr, kDefaultCallTimeout);
      if (st.ok()) {
        inv.output().record({{"VMID", o->id},
                             {"StatsPollingIntervals", o->amount},
                             {"Result", "stats interval updated"}});
      }
      return st;
    };
  });
}

}  // namespace

void add_vm_balloon_commands(CLI::App& vm, Action* chosen) {
  CLI::App* balloon = vm.add_subcommand("balloon", "Inspect or resize a VM's memory balloon");
  balloon->require_subcommand(1);
  add_get(*balloon, chosen);
  add_set(*balloon, chosen);
  add_stats(*balloon, chosen);
  add_stats_interval(*balloon, chosen);
}

}  // namespace ember::ctl
