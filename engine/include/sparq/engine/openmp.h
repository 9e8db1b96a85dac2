#pragma once
// How OpenMP's idle threads wait. LibTorch and the CPU kernels run their loops on an OpenMP
// pool whose threads, by default, spin at every barrier for a long while before they sleep: on
// an idle machine that saves a few microseconds per operator, beside one other busy process it
// makes every barrier wait for the thread the scheduler took away (a training job ran 0.16x its
// idle speed, docs/BENCHMARKS.md "Sharing the machine"). Sparq's programs let idle threads
// spin briefly and then sleep, so a job slows by about the share of CPU it loses.
#include <string>

namespace sparq::engine {

/// The settings Sparq runs with unless the environment says otherwise: GOMP_SPINCOUNT=1000
/// (LibTorch's libgomp) and KMP_BLOCKTIME=1 (an LLVM/Intel runtime, should one be loaded).
/// OpenMP reads them once, when it loads, before main(): when the environment sets none of
/// OMP_WAIT_POLICY, GOMP_SPINCOUNT and KMP_BLOCKTIME (nor SPARQ_OPENMP=off, which keeps
/// OpenMP's defaults), this re-executes the program once with them set. Call it first thing in main(); it returns when there is nothing to do (or the
/// re-execution failed: the program then runs with OpenMP's defaults).
void use_yielding_openmp(char** argv);

/// What this process's OpenMP waits with, for logs: "GOMP_SPINCOUNT=1000 (Sparq's default)",
/// "OMP_WAIT_POLICY=active (environment)", or "OpenMP's defaults".
std::string openmp_wait_setting();

}  // namespace sparq::engine
