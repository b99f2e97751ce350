// CAN frame decode + dispatch: a can::Dispatcher with the ChargerStack's routes (InfyPower module
// driver, GB/T session in its charging phase) fed frames recorded from the simulated charger.
#include <benchmark/benchmark.h>

#include "bench_support.hpp"

namespace evc::bench {
namespace {

void RunCan(benchmark::State& state, const std::vector<FrameKind>& kinds) {
  CanRig rig(kinds);
  rig.Run(rig.frame_count() * 4);  // warm-up: TP sessions and caches in their steady state
  const size_t batch = rig.frame_count();
  for (auto _ : state) {
    benchmark::DoNotOptimize(rig.Run(batch));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.counters["frames_per_batch"] = static_cast<double>(batch);
  state.counters["time_per_frame"] =
      benchmark::Counter(static_cast<double>(state.iterations() * batch),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_CanDispatch_Mix(benchmark::State& s) {
  RunCan(s, {});
}
void BM_CanDispatch_InfyOutput(benchmark::State& s) {
  RunCan(s, {FrameKind::kInfyOutput});
}
void BM_CanDispatch_InfyStatus(benchmark::State& s) {
  RunCan(s, {FrameKind::kInfyStatus});
}
void BM_CanDispatch_GbtBcl(benchmark::State& s) {
  RunCan(s, {FrameKind::kBcl});
}
void BM_CanDispatch_GbtBcsTp(benchmark::State& s) {
  RunCan(s, {FrameKind::kBcs});
}
void BM_CanDispatch_GbtBsm(benchmark::State& s) {
  RunCan(s, {FrameKind::kBsm});
}

BENCHMARK(BM_CanDispatch_Mix);
BENCHMARK(BM_CanDispatch_InfyOutput);
BENCHMARK(BM_CanDispatch_InfyStatus);
BENCHMARK(BM_CanDispatch_GbtBcl);
BENCHMARK(BM_CanDispatch_GbtBcsTp);
BENCHMARK(BM_CanDispatch_GbtBsm);

}  // namespace
}  // namespace evc::bench

BENCHMARK_MAIN();
