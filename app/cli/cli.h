#pragma once
// What every sparq-cli command shares: the flags every command takes the same way, the
// table-driven path that turns a preset, a config file, --set and flags into a job spec, and
// the runner that submits a job, forwards Ctrl-C and turns its end into an exit code.
//
// Exit codes: 0 success, 1 the job failed, 2 bad input (a bad flag, value, file or run),
// 130 cancelled (Ctrl-C).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sparq/engine/engine.h"
#include "sparq/engine/errors.h"
#include "sparq/profiler/metric_bus.h"
#include "sparq/profiler/run_store.h"

namespace sparq::cli {

/// The shared flags, declared by add_common() and nowhere else.
struct Common {
    std::string db;         // --db PATH: the history (default: profiler::default_db_path())
    std::string workspace;  // --workspace DIR: where runs keep their files
    std::string threads;    // --threads N: a job's `threads` field (text: set through the field table)
    std::string device;     // --device auto|cpu|cuda[:N]: a job's `device` field
    bool json = false;      // --json: one JSON object (or array) on the last line of standard output
    bool quiet = false;     // --quiet: no progress or log lines
};

enum CommonFlag : unsigned { kDb = 1, kWorkspace = 2, kThreads = 4, kDevice = 8, kJson = 16, kQuiet = 32 };
constexpr unsigned kJobFlags = kDb | kWorkspace | kThreads | kDevice | kJson | kQuiet;

/// Declares the shared flags `which` of a command.
void add_common(CLI::App* command, Common& common, unsigned which);

/// A spec field offered as a flag: "--" + key with _ as - unless `flag` names it; a switch
/// (no value) when `set_to` is given.
struct FieldFlag {
    std::string key;
    std::string flag = {};
    std::string set_to = {};
};

/// What a command line says about a spec, before it is merged.
struct SpecInput {
    std::string config;                           // --config FILE.json
    std::vector<std::string> sets;                // --set KEY=VALUE, in order
    std::vector<FieldFlag> flags;                 // the fields offered as flags, in declaration order
    std::map<std::string, std::string> values;    // what each flag was given (absent: not given)
    std::map<std::string, bool> switches;
};

/// Declares --config, --set and one flag per field of `fields` (help from the field table).
void add_spec_flags(CLI::App* command, SpecInput& input, const std::vector<engine::FieldInfo>& fields,
                    std::vector<FieldFlag> flags, bool config = true);

/// The one path from a command line to a spec: `base` (a preset's or the defaults), then the
/// config file, then --set, then the flags, then the shared --threads and --device; every value
/// through the field table (set_field/apply_json), so each is checked the same way. Validates.
template <class Spec>
Spec merge_spec(Spec base, const SpecInput& input, const Common& common);

/// The --threads value of a command that is not a job (a benchmark, infer), or `fallback`;
/// ConfigError unless it is a whole number in [1, 256].
int threads_or(const Common& common, int fallback);

/// Reads a whole file; ConfigError naming it when it cannot be read.
std::string read_text_file(const std::string& path);

/// One job from the command line: the history (--db, default database; none when not
/// `record`), a bus, an engine.
class JobRunner {
public:
    explicit JobRunner(const Common& common, const engine::ProfileOptions& profile = {}, bool record = true);
    ~JobRunner();
    engine::Engine& engine() { return *engine_; }
    const std::string& db() const { return db_; }
    /// Waits for the job (Ctrl-C cancels it) and returns once every sample is committed.
    engine::JobEnd wait(const engine::JobHandle& job);

private:
    std::string db_;
    profiler::MetricBus bus_;  // outlives the store attached to it
    std::unique_ptr<profiler::RunStore> store_;
    std::unique_ptr<engine::Engine> engine_;
};

/// A job's exit code: 0, 1 when it failed (2 when its input was bad and `input_is_2`), 130 when
/// cancelled. Prints the error of a failed job as one line.
int exit_code(const engine::JobEnd& end, bool input_is_2 = false);

/// The --db value, or the default history database.
std::string db_or_default(const std::string& db);
/// "YYYY-MM-DD HH:MM:SS" in local time; "-" for 0.
std::string local_time(std::int64_t wall_ns);
/// Prints "sparq-cli: <message>" on stderr as one line.
void print_error(const std::string& message);

// Each command registers itself on the app; its callback runs it and leaves the exit code.
void add_train(CLI::App& app, int& exit);
void add_quantize(CLI::App& app, int& exit);
void add_distill(CLI::App& app, int& exit);
void add_continual(CLI::App& app, int& exit);
void add_serve_bench(CLI::App& app, int& exit);
void add_export(CLI::App& app, int& exit);
void add_infer(CLI::App& app, int& exit);
void add_sparsity(CLI::App& app, int& exit);
void add_history(CLI::App& app, int& exit);
void add_bench(CLI::App& app, int& exit);
void add_devices(CLI::App& app, int& exit);

// ---------------------------------------------------------------- merge_spec

template <class Spec>
Spec merge_spec(Spec spec, const SpecInput& input, const Common& common) {
    if (!input.config.empty()) engine::apply_json(spec, read_text_file(input.config), input.config);
    for (const std::string& kv : input.sets) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) throw engine::ConfigError("--set expects KEY=VALUE, got '" + kv + "'");
        engine::set_field(spec, kv.substr(0, eq), kv.substr(eq + 1));
    }
    for (const FieldFlag& f : input.flags) {
        if (!f.set_to.empty()) {
            if (const auto it = input.switches.find(f.key); it != input.switches.end() && it->second)
                engine::set_field(spec, f.key, f.set_to);
        } else if (const auto it = input.values.find(f.key); it != input.values.end()) {
            engine::set_field(spec, f.key, it->second);
        }
    }
    if (!common.threads.empty()) engine::set_field(spec, "threads", common.threads);
    if (!common.device.empty()) engine::set_field(spec, "device", common.device);
    engine::validate(spec);
    return spec;
}

}  // namespace sparq::cli
