#include "export/exportablemodels.h"

#include <exception>

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonObject>

#include "common/jobhistory.h"

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::ExportableModels", text); }

// The newest artifact of a kind (the store lists them oldest first), or an empty string.
QString latestArtifact(const std::vector<profiler::Artifact>& artifacts, const char* kind) {
    QString path;
    for (const profiler::Artifact& a : artifacts)
        if (a.kind == kind) path = QString::fromStdString(a.path);
    return path;
}

QString summaryString(const profiler::RunRecord& run, const char* key) {
    return parseJsonObject(run.summary_json).value(QLatin1String(key)).toString();
}

}  // namespace

QString ExportableModels::problem(profiler::RunId run) const {
    if (!error.isEmpty()) return tr("Could not read the history: %1").arg(error);
    if (checkpoint.isEmpty()) return tr("Run %1 kept no model checkpoint, so there is nothing to export.").arg(run);
    if (!checkpointExists)
        return tr("Run %1's checkpoint %2 is missing (moved or deleted?).").arg(run).arg(checkpoint);
    return {};
}

// The same search as the engine's export (engine/src/export/source.cpp), so that what the
// dialog says about INT8 is what the export will do.
ExportableModels findExportableModels(const std::string& dbPath, const profiler::RunRecord& run) {
    ExportableModels out;
    try {
        const profiler::RunReader reader(dbPath);
        const std::vector<profiler::Artifact> own = reader.artifacts(run.id);
        out.checkpoint = latestArtifact(own, "checkpoint");
        if (out.checkpoint.isEmpty()) out.checkpoint = summaryString(run, "float_checkpoint");
        out.checkpointExists = !out.checkpoint.isEmpty() && QFileInfo::exists(out.checkpoint);
        const QString ownInt8 = latestArtifact(own, "int8-model");
        if (run.kind == "quantize") {
            if (QFileInfo::exists(ownInt8)) {
                out.int8Model = ownInt8;
                out.int8FromRun = run.id;
            }
            return out;
        }
        // The newest completed quantization of this checkpoint.
        for (const profiler::RunRecord& r : reader.list_runs()) {
            if (r.kind != "quantize" || r.status != "completed" || summaryString(r, "float_checkpoint") != out.checkpoint)
                continue;
            const QString path = latestArtifact(reader.artifacts(r.id), "int8-model");
            if (!QFileInfo::exists(path)) continue;
            out.int8Model = path;
            out.int8FromRun = r.id;
            return out;
        }
        if (QFileInfo::exists(ownInt8)) {
            out.int8Model = ownInt8;
            out.int8FromRun = run.id;
        }
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    return out;
}

bool mayHaveExportableModel(const profiler::RunRecord& run) {
    if ((run.kind != "train" && run.kind != "quantize") || isUnfinished(run.status)) return false;
    const QJsonObject summary = parseJsonObject(run.summary_json);
    const char* key = run.kind == "train" ? "checkpoint" : "float_checkpoint";
    // A summary that names the key but leaves it empty says the run kept no model.
    return !summary.contains(QLatin1String(key)) || !summary.value(QLatin1String(key)).toString().isEmpty();
}

QString architectureOf(const profiler::RunRecord& run) {
    const char* key = run.kind == "quantize" ? "arch" : "model";
    const std::string& json = run.kind == "quantize" ? run.summary_json : run.config_json;
    return parseJsonObject(json).value(QLatin1String(key)).toString();
}

}  // namespace sparq::ui
