#include "sparq/profiler/export_runs.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sparq/profiler/compare.h"

namespace sparq::profiler {

using nlohmann::json;

namespace {

json parse_or_empty(const std::string& text) {
    auto j = json::parse(text.empty() ? "{}" : text, nullptr, false);
    return j.is_discarded() ? json::object() : j;
}

json record(const RunRecord& r) {
    return {{"run_id", r.id},
            {"name", r.name},
            {"kind", r.kind},
            {"preset", r.preset},
            {"status", r.status},
            {"started_ns", r.started_ns},
            {"ended_ns", r.ended_ns},
            {"duration_s", r.duration_s()},
            {"host", r.host},
            {"build", r.build},
            {"test_accuracy", r.test_accuracy ? json(*r.test_accuracy) : json()},
            {"tags", r.tags},
            {"notes", r.notes},
            {"archived", r.archived}};
}

// A CSV field: quoted when it holds a separator, a quote or a line break.
std::string csv(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// Shortest text that reads back as the same double.
std::string number(double v) { return json(v).dump(); }

}  // namespace

std::string local_time_text(std::int64_t wall_ns) {
    if (wall_ns <= 0) return "-";
    const std::time_t t = static_cast<std::time_t>(wall_ns / 1000000000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string run_record_json(const RunRecord& run) { return record(run).dump(); }

std::string export_runs(const RunReader& reader, const std::vector<RunRecord>& runs, const ExportOptions& o) {
    std::ostringstream text;
    if (o.format == ExportFormat::Json) {
        json arr = json::array();
        for (const auto& r : runs) {
            json j = record(r);
            j["config"] = parse_or_empty(r.config_json);
            j["summary"] = parse_or_empty(r.summary_json);
            if (o.series) {
                json series = json::object();
                for (const auto& s : reader.load_series(r.id))
                    series[s.name] = {{"step", s.step}, {"time_ns", s.time_ns}, {"value", s.value}};
                j["series"] = series;
            }
            arr.push_back(std::move(j));
        }
        text << json{{"runs", arr}}.dump() << "\n";
    } else if (o.series) {
        text << "run_id,series,step,time_ns,value\n";
        for (const auto& r : runs)
            for (const auto& s : reader.load_series(r.id))
                for (std::size_t i = 0; i < s.value.size(); ++i)
                    text << r.id << "," << csv(s.name) << "," << s.step[i] << "," << s.time_ns[i] << ","
                         << number(s.value[i]) << "\n";
    } else {
        std::vector<std::string> configs;
        for (const auto& r : runs) configs.push_back(r.config_json.empty() ? "{}" : r.config_json);
        const auto config_rows = diff_configs(configs, true);
        std::set<std::string> key_set;
        std::vector<json> summaries;
        for (const auto& r : runs) {
            summaries.push_back(parse_or_empty(r.summary_json));
            if (!summaries.back().is_object()) continue;
            for (const auto& [k, v] : summaries.back().items())
                if (v.is_number() && k != "run_id") key_set.insert(k);
        }
        text << "run_id,name,kind,preset,status,started,duration_s,test_accuracy,tags,notes";
        for (const auto& row : config_rows) text << "," << csv("config." + row.key);
        for (const auto& k : key_set) text << "," << csv("summary." + k);
        text << "\n";
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const auto& r = runs[i];
            std::string tags;
            for (const auto& t : r.tags) tags += (tags.empty() ? "" : ";") + t;
            text << r.id << "," << csv(r.name) << "," << csv(r.kind) << "," << csv(r.preset) << "," << r.status << ","
                 << local_time_text(r.started_ns) << "," << r.duration_s() << ","
                 << (r.test_accuracy ? number(*r.test_accuracy) : "") << "," << csv(tags) << "," << csv(r.notes);
            for (const auto& row : config_rows) text << "," << (row.values[i] ? csv(*row.values[i]) : "");
            for (const auto& k : key_set)
                text << "," << (summaries[i].is_object() && summaries[i].contains(k) ? summaries[i][k].dump() : "");
            text << "\n";
        }
    }
    return text.str();
}

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f << text;
        f.flush();
        if (!f) {
            std::remove(tmp.c_str());
            throw StoreError("cannot write " + path + " (writing " + tmp + " failed)");
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw StoreError("cannot write " + path + " (renaming the temporary file failed)");
    }
}

}  // namespace sparq::profiler
