// sparq-cli continual.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "progress.h"
#include "sparq/engine/errors.h"

namespace sparq::cli {

namespace {

// A flag's text as a JSON value: numbers and lists stay numbers and lists ("[256,256]",
// "256,256"), anything else is a string ("true" too: no continual field is a boolean).
nlohmann::json flag_value(const std::string& text) {
    if (auto j = nlohmann::json::parse(text, nullptr, false); j.is_number() || j.is_array()) return j;
    if (text.find(',') != std::string::npos) {
        if (auto j = nlohmann::json::parse("[" + text + "]", nullptr, false); !j.is_discarded()) return j;
    }
    return text;
}

}  // namespace

engine::ContinualSpec continual_spec(const ContinualOptions& o) {
    engine::ContinualSpec spec = engine::load_continual_preset(o.preset);
    if (!o.config.empty()) {
        std::ifstream in(o.config);
        if (!in) throw engine::ConfigError("cannot read config file " + o.config);
        std::stringstream ss;
        ss << in.rdbuf();
        engine::apply_json(spec, ss.str(), o.config);
    }
    nlohmann::json flags = nlohmann::json::object();
    for (const auto& [key, text] : o.fields) {
        nlohmann::json v = flag_value(text);
        if ((key == "hidden" || key == "lambdas") && v.is_number()) v = nlohmann::json::array({v});
        flags[key] = v;
    }
    if (!flags.empty()) engine::apply_json(spec, flags.dump(), "the command line");
    return spec;
}

int run_continual(const ContinualOptions& o) {
    const engine::ContinualSpec spec = continual_spec(o);
    JobRunner runner(o.db, o.workspace);
    ProgressSink sink(isatty(STDERR_FILENO) == 1 && !o.quiet, !o.quiet);
    return finish_summarized(runner, runner.engine().submit_continual(spec, sink), o.json,
                             [&](const std::string& summary, std::int64_t run_id) {
                                 const auto j = nlohmann::json::parse(summary);
                                 std::printf("run %lld: %d %s tasks, lambda %g\n"
                                             "  EWC       average accuracy %.4f, retention %.4f\n",
                                             (long long)run_id, j.value("tasks", 0), spec.scenario.c_str(),
                                             j.value("lambda", 0.0), j.value("ewc_average_accuracy", 0.0),
                                             j.value("ewc_retention", 0.0));
                                 for (const char* m : {"finetune", "joint"}) {
                                     const std::string acc = std::string(m) + "_average_accuracy";
                                     if (j.contains(acc) && j[acc].is_number())
                                         std::printf("  %-9s average accuracy %.4f, retention %.4f\n", m,
                                                     j[acc].get<double>(), j.value(std::string(m) + "_retention", 0.0));
                                 }
                             });
}

}  // namespace sparq::cli
