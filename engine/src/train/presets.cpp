#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sparq/engine/errors.h"
#include "sparq/engine/train.h"

namespace fs = std::filesystem;

namespace sparq::engine {

std::vector<std::string> preset_dirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("SPARQ_PRESET_DIR"); env && *env) dirs.emplace_back(env);
    // Next to an installed binary: <prefix>/bin/sparq-cli -> <prefix>/share/sparq/presets.
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) dirs.push_back((exe.parent_path().parent_path() / "share/sparq/presets").string());
    dirs.emplace_back(SPARQ_PRESET_SOURCE_DIR);
    dirs.emplace_back(SPARQ_PRESET_INSTALL_DIR);
    return dirs;
}

std::vector<std::string> list_presets() {
    std::vector<std::string> names;
    for (const std::string& dir : preset_dirs()) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() != ".json") continue;
            const std::string n = e.path().stem().string();
            if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

TrainSpec load_preset(const std::string& name) {
    for (const std::string& dir : preset_dirs()) {
        const fs::path p = fs::path(dir) / (name + ".json");
        std::ifstream in(p);
        if (!in) continue;
        std::stringstream ss;
        ss << in.rdbuf();
        TrainSpec spec;
        spec.name = name;
        spec.preset = name;
        apply_json(spec, ss.str(), "preset " + name + " (" + p.string() + ")");
        validate(spec);
        return spec;
    }
    std::string known;
    for (const auto& n : list_presets()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("unknown preset '" + name + "' (available: " +
                      (known.empty() ? "none found; set SPARQ_PRESET_DIR" : known) + ")");
}

std::string default_data_dir() {
    if (const char* env = std::getenv("SPARQ_DATA_DIR"); env && *env) return env;
    return "/usr/share/datasets/fashion-mnist";
}

}  // namespace sparq::engine
