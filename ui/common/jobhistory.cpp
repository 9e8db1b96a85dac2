#include "common/jobhistory.h"

#include <exception>

#include <QCoreApplication>
#include <QJsonDocument>

#include "history/runtablemodel.h"
#include "sparq/profiler/run_store.h"

namespace sparq::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("sparq::ui::JobHistory", text); }

}  // namespace

QJsonObject parseJsonObject(const std::string& json) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

QJsonObject JobRun::summaryObject() const {
    QJsonObject out = parseJsonObject(summary);
    if (!out.contains(QStringLiteral("run_id"))) out.insert(QStringLiteral("run_id"), id);
    if (!out.contains(QStringLiteral("status"))) out.insert(QStringLiteral("status"), QString::fromStdString(status));
    return out;
}

QString historyErrorHtml(const QString& error) {
    return QStringLiteral("<span style='color:#c02020'>%1</span>")
        .arg(tr("Could not read the history: %1").arg(error.toHtmlEscaped()));
}

JobHistory readJobHistory(const std::string& dbPath, const std::string& kind, const QString& accuracyName) {
    JobHistory out;
    try {
        profiler::RunReader reader(dbPath);
        for (profiler::RunRecord& run : reader.list_runs()) {
            QString label = tr("Run %1 · %2").arg(run.id).arg(QString::fromStdString(run.name));
            const bool completed = run.status == "completed";
            if (run.kind == kind) {
                label += QStringLiteral(" · ") +
                         (completed && run.test_accuracy
                              ? QStringLiteral("%1 %2").arg(accuracyName, RunTableModel::formatAccuracy(*run.test_accuracy))
                              : QString::fromStdString(run.status));
                out.jobRuns.push_back({run.id, label, run.status, std::move(run.summary_json), std::move(run.config_json)});
            } else if (run.kind == "train" && !isUnfinished(run.status)) {
                QString checkpoint;
                for (const profiler::Artifact& a : reader.artifacts(run.id))
                    if (a.kind == "checkpoint") checkpoint = QString::fromStdString(a.path);  // newest
                if (checkpoint.isEmpty()) continue;
                if (run.test_accuracy) label += QStringLiteral(" · ") + RunTableModel::formatAccuracy(*run.test_accuracy);
                if (!completed) label += QStringLiteral(" · ") + QString::fromStdString(run.status);
                out.trained.push_back({run.id, label, checkpoint, QString::fromStdString(run.preset)});
            }
        }
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    return out;
}

RunSeries readRunSeries(const std::string& dbPath, qint64 run, const std::function<bool(const std::string&)>& wanted) {
    RunSeries out;
    out.run = run;
    try {
        profiler::RunReader reader(dbPath);
        std::vector<std::string> names;
        for (std::string& name : reader.series_names(run))
            if (wanted(name)) names.push_back(std::move(name));
        if (!names.empty()) out.series = reader.load_series(run, names);  // no names would load them all
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    return out;
}

}  // namespace sparq::ui
