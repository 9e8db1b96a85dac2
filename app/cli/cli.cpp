#include "cli.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sparq/profiler/export_runs.h"

namespace sparq::cli {

namespace {

std::atomic<int> g_interrupts{0};
extern "C" void on_sigint(int) { g_interrupts.fetch_add(1); }

std::string flag_name(const FieldFlag& f) {
    if (!f.flag.empty()) return f.flag;
    std::string name = "--" + f.key;
    for (char& c : name)
        if (c == '_') c = '-';
    return name;
}

}  // namespace

void add_common(CLI::App* command, Common& c, unsigned which) {
    if (which & kDb) command->add_option("--db", c.db, "history database (default: " + profiler::default_db_path() + ")");
    if (which & kWorkspace) command->add_option("--workspace", c.workspace, "folder for the runs' files (default: runs/ beside the history)");
    if (which & kThreads) command->add_option("--threads", c.threads, "CPU threads");
    if (which & kDevice)
        command->add_option("--device", c.device, "where the job runs: auto (a GPU when one can run it), cpu, cuda or cuda:N");
    if (which & kJson) command->add_flag("--json", c.json, "print the result as JSON on the last line");
    if (which & kQuiet) command->add_flag("--quiet", c.quiet, "no progress or log lines");
}

void add_spec_flags(CLI::App* command, SpecInput& input, const std::vector<engine::FieldInfo>& fields, std::vector<FieldFlag> flags,
                    bool config) {
    if (config) {
        command->add_option("--config", input.config, "JSON file of job fields, applied on top of the preset");
        command->add_option("--set", input.sets, "set any job field: KEY=VALUE (repeatable)");
    }
    for (const FieldFlag& f : flags) {
        std::string help;
        for (const engine::FieldInfo& info : fields)
            if (info.key == f.key) help = info.help;
        if (help.empty()) throw std::logic_error("sparq-cli: no field '" + f.key + "' to offer as a flag");
        const std::string key = f.key;
        if (!f.set_to.empty())
            command->add_flag_callback(flag_name(f), [&input, key] { input.switches[key] = true; }, help);
        else
            command->add_option_function<std::string>(
                flag_name(f), [&input, key](const std::string& v) { input.values[key] = v; }, help);
    }
    input.flags = std::move(flags);
}

int threads_or(const Common& common, int fallback) {
    if (common.threads.empty()) return fallback;
    std::size_t used = 0;
    int n = 0;
    try {
        n = std::stoi(common.threads, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != common.threads.size() || n < 1 || n > 256)
        throw engine::ConfigError("--threads = '" + common.threads + "': expected a whole number in [1, 256]");
    return n;
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw engine::ConfigError("cannot read config file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string db_or_default(const std::string& db) { return db.empty() ? profiler::default_db_path() : db; }

std::string local_time(std::int64_t wall_ns) { return profiler::local_time_text(wall_ns); }

void print_error(const std::string& message) {
    std::string one_line = message;
    for (char& c : one_line)
        if (c == '\n') c = ' ';
    std::fprintf(stderr, "sparq-cli: %s\n", one_line.c_str());
}

JobRunner::JobRunner(const Common& common, const engine::ProfileOptions& profile, bool record)
    : db_(db_or_default(common.db)) {
    if (record) {
        store_ = profiler::RunStore::open({db_});
        store_->attach(bus_);
    }
    engine::EngineOptions eo;
    eo.profile = profile;
    eo.bus = &bus_;
    eo.store = store_.get();
    eo.workspace_root = common.workspace;
    engine_ = std::make_unique<engine::Engine>(eo);
}

JobRunner::~JobRunner() { engine_.reset(); }

engine::JobEnd JobRunner::wait(const engine::JobHandle& job) {
    const auto previous = std::signal(SIGINT, on_sigint);
    int seen = g_interrupts.load();
    while (!job.wait_for(100)) {
        if (g_interrupts.load() != seen) {
            seen = g_interrupts.load();
            std::fprintf(stderr, "\ninterrupted: stopping after the current step\n");
            job.cancel();
        }
    }
    std::signal(SIGINT, previous);
    const engine::JobEnd end = job.wait();
    if (store_) store_->detach();  // every sample is committed before we report
    return end;
}

int exit_code(const engine::JobEnd& end, bool input_is_2) {
    switch (end.status) {
    case engine::JobStatus::Failed:
        print_error(end.error);
        return input_is_2 && end.error_kind == engine::JobError::BadInput ? 2 : 1;
    case engine::JobStatus::Cancelled: return 130;  // the shell's code for an interrupted command
    default: return 0;
    }
}

}  // namespace sparq::cli
