#pragma once
// JobHistory: what a technique page (Quantize, Distill, Continual) reads from the run history:
// the runs of its own job kind, the finished training runs whose checkpoint a job can start
// from, and a past run's series. Read on a worker thread through the read-only RunReader;
// plain values come back.
#include <functional>
#include <string>
#include <vector>

#include <QJsonObject>
#include <QString>

#include "sparq/profiler/run_store.h"

namespace sparq::ui {

/// The JSON object in `json` (empty when it is not one).
QJsonObject parseJsonObject(const std::string& json);

/// A run the history records as still running (or queued).
inline bool isUnfinished(const std::string& status) { return status == "running" || status == "queued"; }

/// A finished training run with a checkpoint.
struct TrainedRun {
    qint64 id = 0;
    QString label;       // "Run 3 · mlp small · 85.00 %"
    QString checkpoint;  // the newest checkpoint artifact
    QString preset;
};

/// A run of one job kind.
struct JobRun {
    qint64 id = 0;
    QString label;  // "Run 7 · name · INT8 87.50 %", or the status when it did not complete
    std::string status;
    std::string summary;  // the run's summary JSON
    std::string config;   // the run's config JSON
    /// Still running (or queued) as far as the history knows.
    bool unfinished() const { return isUnfinished(status); }
    /// The summary as an object that always names the run and its status (a failed run keeps
    /// only the engine's generic summary).
    QJsonObject summaryObject() const;
};

struct JobHistory {
    std::vector<JobRun> jobRuns;     // newest first
    std::vector<TrainedRun> trained;  // newest first
    QString error;                   // the history could not be read
};

/// "Could not read the history: <error>" in the error colour, as rich text.
QString historyErrorHtml(const QString& error);

/// Reads the runs of `kind` and the trained runs from the database at `dbPath`. A completed
/// run's label ends with `accuracyName` and its test accuracy. Any thread; never throws.
JobHistory readJobHistory(const std::string& dbPath, const std::string& kind, const QString& accuracyName);

/// A past run's recorded series, for drawing its charts again.
struct RunSeries {
    qint64 run = 0;
    std::vector<profiler::SeriesPoints> series;
    QString error;  // the history could not be read
};

/// Reads every series of run `run` whose name `wanted` accepts. Any thread; never throws.
RunSeries readRunSeries(const std::string& dbPath, qint64 run, const std::function<bool(const std::string&)>& wanted);

}  // namespace sparq::ui
