#include "job/job_state.h"

namespace sparq::engine {

const char* to_string(JobKind kind) {
    switch (kind) {
    case JobKind::Train: return "train";
    case JobKind::Quantize: return "quantize";
    case JobKind::Distill: return "distill";
    case JobKind::Continual: return "continual";
    case JobKind::Serve: return "serve";
    case JobKind::Export: return "export";
    case JobKind::Sweep: return "sweep";
    }
    return "unknown";
}

const char* to_string(JobStatus s) {
    switch (s) {
    case JobStatus::Queued: return "queued";
    case JobStatus::Running: return "running";
    case JobStatus::Paused: return "paused";
    case JobStatus::Completed: return "completed";
    case JobStatus::Failed: return "failed";
    case JobStatus::Cancelled: return "cancelled";
    }
    return "unknown";
}

JobHandle::JobHandle(std::shared_ptr<JobState> state) : state_(std::move(state)) {}
void JobHandle::cancel() const { state_->request_cancel(); }
void JobHandle::pause() const { state_->set_paused(true); }
void JobHandle::resume() const { state_->set_paused(false); }
JobStatus JobHandle::status() const { return state_->status(); }
JobKind JobHandle::kind() const { return state_->kind(); }
std::int64_t JobHandle::run_id() const { return state_->run_id(); }
bool JobHandle::done() const { return state_->done(); }
JobEnd JobHandle::wait() const { return state_->wait(); }
bool JobHandle::wait_for(int timeout_ms) const { return state_->wait_for(timeout_ms); }
const std::any* JobHandle::result_any() const { return state_ ? state_->result() : nullptr; }

}  // namespace sparq::engine
