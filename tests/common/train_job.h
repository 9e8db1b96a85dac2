#pragma once
// A finished training job as one value, for tests: its result with the end's status, error and
// run (a job that failed has no result of its own).
#include "sparq/engine/engine.h"

namespace sparq::test {

inline engine::TrainResult finished(const engine::Job<engine::TrainResult>& job) {
    const engine::JobEnd end = job.wait();
    engine::TrainResult r = job.get();
    r.run_id = end.run_id;
    r.status = end.status;
    r.error = end.error;
    return r;
}

}  // namespace sparq::test
