#pragma once
// Whether the process writing a run still lives. A run stays "running" in the database when its
// process is killed; the writer marks such runs interrupted when it next opens the file, and
// every reader shows them as interrupted at once by the same rule.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace sparq::profiler {

/// The host name as runs record it.
inline std::string this_host() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

/// On this host: the writer's process exists. On another host (a shared folder): its writer
/// beat within the last five minutes (it beats every second while it has live runs).
inline bool run_writer_alive(const std::string& host, std::int64_t pid, std::int64_t heartbeat_ns,
                             std::int64_t now_wall_ns, const std::string& here) {
    constexpr std::int64_t kForeignHostStaleNs = 300'000'000'000;
    if (host != here) return now_wall_ns - heartbeat_ns < kForeignHostStaleNs;
    if (pid <= 0) return false;
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

/// What a reader shows of a stored status: a live status of a dead writer is "interrupted".
inline bool is_live_status(const std::string& status) { return status == "running" || status == "queued"; }

}  // namespace sparq::profiler
