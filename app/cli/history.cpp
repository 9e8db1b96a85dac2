// sparq-cli history list | show | compare | diff | export | delete.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli.h"
#include "sparq/engine/errors.h"
#include "sparq/profiler/compare.h"
#include "sparq/profiler/export_runs.h"
#include "sparq/profiler/history_edit.h"
#include "sparq/profiler/run_filter.h"

namespace sparq::cli {

using nlohmann::json;

namespace {

struct HistoryOptions {
    Common common;                    // --db, --json
    int limit = 0;
    // list filters (the GUI's): kind, status, a tag-free text search over names, presets,
    // configurations and summaries, and a start date range (YYYY-MM-DD, inclusive)
    std::string kind, status, search, since, until;
    std::string tag;                  // list/export filter: runs carrying this tag
    bool archived = false;            // list/export: include archived runs
    std::vector<std::int64_t> runs;   // show | compare | diff | export | delete | tag | archive
    std::vector<std::string> add_tags, remove_tags;  // tag
    std::int64_t run = 0;             // note | rename
    std::string text;                 // note: the notes; rename: the new name
    bool restore = false;             // archive: bring archived runs back
    bool all = false;                 // diff: every key, not only those that differ
    std::string format = "json";      // export: json | csv
    bool series = false;              // export: the runs' samples too
    std::string out;                  // export: file (default standard output)
};

json parse_or_empty(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    return j.is_discarded() ? json::object() : j;
}

json record_json(const profiler::RunRecord& r) { return json::parse(profiler::run_record_json(r)); }

// Midnight (local time) of a YYYY-MM-DD date, in wall-clock nanoseconds.
std::int64_t date_ns(const std::string& date, const char* flag) {
    std::tm tm{};
    std::istringstream in(date);
    in >> std::get_time(&tm, "%Y-%m-%d");
    if (in.fail()) throw engine::ConfigError(std::string(flag) + " expects a date as YYYY-MM-DD, got '" + date + "'");
    tm.tm_isdst = -1;
    return std::int64_t(std::mktime(&tm)) * 1000000000;
}

std::vector<profiler::RunRecord> filtered_runs(const profiler::RunReader& reader, const HistoryOptions& o) {
    profiler::RunFilter f;
    f.kind = o.kind;
    f.status = o.status;
    f.tag = o.tag;
    f.text = o.search;
    f.include_archived = o.archived;
    f.since_ns = o.since.empty() ? 0 : date_ns(o.since, "--since");
    f.until_ns = o.until.empty() ? 0 : date_ns(o.until, "--until") + 86400ll * 1000000000;
    std::vector<profiler::RunRecord> out;
    for (auto& r : reader.list_runs()) {
        if (!profiler::matches(r, f)) continue;
        out.push_back(std::move(r));
        if (o.limit > 0 && int(out.size()) >= o.limit) break;
    }
    return out;
}

// The runs named on the command line, in that order; an unknown id is an error.
std::vector<profiler::RunRecord> named_runs(const profiler::RunReader& reader, const HistoryOptions& o,
                                            std::size_t at_least) {
    if (o.runs.size() < at_least)
        throw engine::ConfigError("name at least " + std::to_string(at_least) + " run id" + (at_least > 1 ? "s" : ""));
    std::vector<profiler::RunRecord> out;
    for (std::int64_t id : o.runs) {
        auto r = reader.run(id);
        if (!r) throw engine::ConfigError("no run " + std::to_string(id) + " in " + db_or_default(o.common.db));
        out.push_back(std::move(*r));
    }
    return out;
}

std::string cell(const std::optional<std::string>& v) { return v ? *v : "(absent)"; }

// The numeric leaves of every run's summary, as columns.
std::vector<std::string> numeric_summary_keys(const std::vector<profiler::RunRecord>& runs) {
    std::set<std::string> keys;
    for (const auto& r : runs) {
        const auto j = parse_or_empty(r.summary_json);
        if (!j.is_object()) continue;
        for (const auto& [k, v] : j.items())
            if (v.is_number() && k != "run_id") keys.insert(k);
    }
    return {keys.begin(), keys.end()};
}

int run_history_list(const HistoryOptions& o) {
    const std::string db = db_or_default(o.common.db);
    profiler::RunReader reader(db);
    const auto runs = filtered_runs(reader, o);
    if (o.common.json) {
        json arr = json::array();
        for (const auto& r : runs) arr.push_back(record_json(r));
        std::printf("%s\n", json{{"db", db}, {"runs", arr}}.dump().c_str());
        return 0;
    }
    std::printf("%-6s %-24s %-10s %-16s %-12s %-9s %-9s %s\n", "ID", "NAME", "KIND", "PRESET", "STATUS", "ACCURACY",
                "DURATION", "STARTED");
    for (const auto& r : runs) {
        char acc[16] = "-";
        if (r.test_accuracy) std::snprintf(acc, sizeof acc, "%.4f", *r.test_accuracy);
        std::printf("%-6lld %-24.24s %-10.10s %-16.16s %-12s %-9s %8.1fs %s\n", (long long)r.id, r.name.c_str(),
                    r.kind.c_str(), r.preset.c_str(), r.status.c_str(), acc, r.duration_s(),
                    local_time(r.started_ns).c_str());
    }
    for (const auto& r : runs) {
        if (r.tags.empty() && r.notes.empty()) continue;
        std::string tags;
        for (const auto& t : r.tags) tags += (tags.empty() ? "" : ", ") + t;
        std::printf("       run %lld%s%s%s%s\n", (long long)r.id, tags.empty() ? "" : "  tags: ", tags.c_str(),
                    r.notes.empty() ? "" : "  notes: ", r.notes.substr(0, 60).c_str());
    }
    if (runs.empty()) std::printf("(no runs in %s match)\n", db.c_str());
    return 0;
}

int run_history_show(const HistoryOptions& o) {
    profiler::RunReader reader(db_or_default(o.common.db));
    const auto r = named_runs(reader, o, 1).front();
    json series = json::array();
    for (const auto& s : reader.load_series(r.id))
        series.push_back({{"name", s.name}, {"points", s.value.size()}, {"last", s.value.empty() ? json() : json(s.value.back())}});
    json events = json::array(), alerts = json::array();
    for (const auto& e : reader.events(r.id)) {
        json ej{{"time_ns", e.time_ns}, {"level", e.level}, {"kind", e.kind}, {"message", e.message}};
        if (e.kind == "alert" || e.kind == "alert_cleared") alerts.push_back(ej);
        events.push_back(std::move(ej));
    }
    json artifacts = json::array();
    for (const auto& a : reader.artifacts(r.id))
        artifacts.push_back({{"kind", a.kind}, {"path", a.path}, {"bytes", a.bytes}});
    json j = record_json(r);
    j["config"] = parse_or_empty(r.config_json);
    j["summary"] = parse_or_empty(r.summary_json);
    j["series"] = series;
    j["events"] = events;
    j["alerts"] = alerts;  // the fired and cleared alerts among the events
    j["artifacts"] = artifacts;
    if (o.common.json) {
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("run %lld  %s  (%s, preset %s)\nstatus %s, started %s, %.1f s, host %s, build %s\n", (long long)r.id,
                r.name.c_str(), r.kind.c_str(), r.preset.empty() ? "-" : r.preset.c_str(), r.status.c_str(),
                local_time(r.started_ns).c_str(), r.duration_s(), r.host.c_str(), r.build.c_str());
    std::printf("\nconfiguration\n");
    for (const auto& [k, v] : profiler::flatten_json(r.config_json)) std::printf("  %-28s %s\n", k.c_str(), v.c_str());
    std::printf("\nsummary\n");
    for (const auto& [k, v] : profiler::flatten_json(r.summary_json.empty() ? "{}" : r.summary_json))
        if (v.size() <= 120) std::printf("  %-28s %s\n", k.c_str(), v.c_str());
    std::printf("\nseries (%zu)\n", series.size());
    for (const auto& s : series)
        std::printf("  %-44s %8zu points, last %s\n", s["name"].get<std::string>().c_str(), s["points"].get<std::size_t>(),
                    s["last"].dump().c_str());
    std::printf("\nevents (%zu), alerts (%zu), artifacts (%zu)\n", events.size(), alerts.size(), artifacts.size());
    for (const auto& a : alerts)
        std::printf("  %-8s %s\n", a["level"].get<std::string>().c_str(), a["message"].get<std::string>().c_str());
    for (const auto& a : artifacts)
        std::printf("  %-12s %s\n", a["kind"].get<std::string>().c_str(), a["path"].get<std::string>().c_str());
    return 0;
}

int run_history_compare(const HistoryOptions& o) {
    profiler::RunReader reader(db_or_default(o.common.db));
    const auto runs = named_runs(reader, o, 2);
    const auto keys = numeric_summary_keys(runs);
    std::vector<json> summaries;  // parsed once per run
    for (const auto& r : runs) summaries.push_back(parse_or_empty(r.summary_json));
    if (o.common.json) {
        json arr = json::array();
        for (std::size_t i = 0; i < runs.size(); ++i) {
            json j = record_json(runs[i]);
            const json& summary = summaries[i];
            json metrics = json::object();
            for (const auto& k : keys) metrics[k] = summary.contains(k) ? summary[k] : json();
            j["metrics"] = metrics;
            arr.push_back(j);
        }
        std::printf("%s\n", json{{"runs", arr}}.dump().c_str());
        return 0;
    }
    std::printf("%-28s", "");
    for (const auto& r : runs) std::printf(" %14lld", (long long)r.id);
    std::printf("\n%-28s", "status");
    for (const auto& r : runs) std::printf(" %14.14s", r.status.c_str());
    std::printf("\n%-28s", "duration_s");
    for (const auto& r : runs) std::printf(" %14.1f", r.duration_s());
    for (const auto& k : keys) {
        std::printf("\n%-28.28s", k.c_str());
        for (const json& summary : summaries) {
            if (summary.contains(k) && summary[k].is_number())
                std::printf(" %14.6g", summary[k].get<double>());
            else
                std::printf(" %14s", "-");
        }
    }
    std::printf("\n");
    return 0;
}

int run_history_diff(const HistoryOptions& o) {
    profiler::RunReader reader(db_or_default(o.common.db));
    const auto runs = named_runs(reader, o, 2);
    std::vector<std::string> configs;
    for (const auto& r : runs) configs.push_back(r.config_json.empty() ? "{}" : r.config_json);
    const auto rows = profiler::diff_configs(configs, o.all);
    if (o.common.json) {
        json ids = json::array(), arr = json::array();
        for (const auto& r : runs) ids.push_back(r.id);
        for (const auto& row : rows) {
            json values = json::array();
            for (const auto& v : row.values) values.push_back(v ? json::parse(*v) : json());
            arr.push_back({{"key", row.key}, {"values", values}});
        }
        std::printf("%s\n", json{{"runs", ids}, {"differences", arr}}.dump().c_str());
        return 0;
    }
    if (rows.empty()) {
        std::printf("the configurations are identical\n");
        return 0;
    }
    std::printf("%-28s", "key");
    for (const auto& r : runs) std::printf(" %-20lld", (long long)r.id);
    for (const auto& row : rows) {
        std::printf("\n%-28.28s", row.key.c_str());
        for (const auto& v : row.values) std::printf(" %-20.20s", cell(v).c_str());
    }
    std::printf("\n");
    return 0;
}

int run_history_export(const HistoryOptions& o) {
    profiler::RunReader reader(db_or_default(o.common.db));
    const auto runs = o.runs.empty() ? filtered_runs(reader, o) : named_runs(reader, o, 1);
    if (o.format != "json" && o.format != "csv") throw engine::ConfigError("--format must be json or csv");
    profiler::ExportOptions eo;
    eo.format = o.format == "json" ? profiler::ExportFormat::Json : profiler::ExportFormat::Csv;
    eo.series = o.series;
    const std::string text = profiler::export_runs(reader, runs, eo);
    if (o.out.empty()) {
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    profiler::write_file_atomically(o.out, text);
    std::fprintf(stderr, "%zu runs written to %s\n", runs.size(), o.out.c_str());
    return 0;
}

int run_history_delete(const HistoryOptions& o) {
    if (o.runs.empty()) throw engine::ConfigError("name the run ids to delete");
    const std::string db = db_or_default(o.common.db);
    const std::size_t n = profiler::delete_runs(db, o.runs);
    if (o.common.json)
        std::printf("%s\n", json{{"deleted", n}, {"runs", o.runs}}.dump().c_str());
    else
        std::printf("deleted %zu run%s from %s (checkpoint files stay on disk)\n", n, n == 1 ? "" : "s", db.c_str());
    return 0;
}


// Prints the edited runs as they now are.
int print_edited(const HistoryOptions& o, const char* what) {
    const std::string db = db_or_default(o.common.db);
    profiler::RunReader reader(db);
    json arr = json::array();
    for (std::int64_t id : o.runs)
        if (auto r = reader.run(id)) arr.push_back(record_json(*r));
    if (o.common.json) {
        std::printf("%s\n", json{{"db", db}, {"runs", arr}}.dump().c_str());
        return 0;
    }
    for (const auto& r : arr) {
        std::string tags;
        for (const auto& t : r["tags"]) tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
        std::printf("%s run %lld \"%s\"%s%s%s\n", what, (long long)r["run_id"].get<std::int64_t>(),
                    r["name"].get<std::string>().c_str(), r["archived"].get<bool>() ? " (archived)" : "",
                    tags.empty() ? "" : "  tags: ", tags.c_str());
    }
    return 0;
}

int run_history_tag(const HistoryOptions& o) {
    if (o.add_tags.empty() && o.remove_tags.empty()) throw engine::ConfigError("give --add TAG and/or --remove TAG");
    profiler::tag_runs(db_or_default(o.common.db), o.runs, o.add_tags, o.remove_tags);
    return print_edited(o, "tagged");
}

int run_history_note(const HistoryOptions& o) {
    profiler::set_notes(db_or_default(o.common.db), o.run, o.text);
    HistoryOptions one = o;
    one.runs = {o.run};
    return print_edited(one, "noted");
}

int run_history_rename(const HistoryOptions& o) {
    profiler::rename_run(db_or_default(o.common.db), o.run, o.text);
    HistoryOptions one = o;
    one.runs = {o.run};
    return print_edited(one, "renamed");
}

int run_history_archive(const HistoryOptions& o) {
    profiler::set_archived(db_or_default(o.common.db), o.runs, !o.restore);
    return print_edited(o, o.restore ? "restored" : "archived");
}

}  // namespace

void add_history(CLI::App& app, int& exit) {
    auto* history = app.add_subcommand("history", "read and edit the run history");
    history->require_subcommand(1);
    auto o = std::make_shared<HistoryOptions>();
    auto add = [&](const char* name, const char* help, int (*run)(const HistoryOptions&)) {
        auto* cmd = history->add_subcommand(name, help);
        add_common(cmd, o->common, kDb | kJson);
        cmd->callback([o, run, &exit] { exit = run(*o); });
        return cmd;
    };
    auto* list = add("list", "list runs, newest first", run_history_list);
    list->add_option("--limit", o->limit, "at most N runs");
    auto* show = add("show", "one run: configuration, summary, series, events, artifacts", run_history_show);
    auto* compare = add("compare", "runs side by side: status, duration, summary metrics", run_history_compare);
    auto* diff = add("diff", "the configuration keys that differ between runs", run_history_diff);
    auto* exp = add("export", "runs (and their samples) as JSON or CSV", run_history_export);
    auto* del = add("delete", "delete runs and everything recorded for them", run_history_delete);
    auto* tag = add("tag", "add or remove tags on runs", run_history_tag);
    auto* archive = add("archive", "hide runs from listings (kept), or --restore them", run_history_archive);
    auto* note = add("note", "set a run's notes", run_history_note);
    auto* rename = add("rename", "rename a run", run_history_rename);
    for (auto* cmd : {list, exp}) {
        cmd->add_option("--kind", o->kind, "only runs of this kind (train, quantize, distill, continual, serve, ...)");
        cmd->add_option("--status", o->status, "only runs with this status");
        cmd->add_option("--search", o->search, "text in the name, preset, tags, notes, configuration or summary");
        cmd->add_option("--tag", o->tag, "only runs carrying this tag");
        cmd->add_flag("--archived", o->archived, "include archived runs");
    }
    list->add_option("--since", o->since, "started on or after this date (YYYY-MM-DD)");
    list->add_option("--until", o->until, "started on or before this date (YYYY-MM-DD)");
    for (auto* cmd : {show, compare, diff, exp, del, tag, archive})
        cmd->add_option("runs", o->runs, "run ids")->required(cmd != exp);
    diff->add_flag("--all", o->all, "every key, not only those that differ");
    exp->add_option("--format", o->format, "json or csv")->check(CLI::IsMember({"json", "csv"}));
    exp->add_flag("--series", o->series, "the runs' samples too (CSV: one row per sample)");
    exp->add_option("--out", o->out, "file to write (default: standard output)");
    tag->add_option("--add", o->add_tags, "tags to add (repeat or comma-separate)")->delimiter(',');
    tag->add_option("--remove", o->remove_tags, "tags to remove (repeat or comma-separate)")->delimiter(',');
    archive->add_flag("--restore", o->restore, "bring archived runs back");
    for (auto* cmd : {note, rename}) {
        cmd->add_option("run", o->run, "run id")->required();
        cmd->add_option("text", o->text, cmd == note ? "the notes (empty clears them)" : "the new name")->required(cmd == rename);
    }
}

}  // namespace sparq::cli
