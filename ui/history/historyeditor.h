#pragma once
// HistoryEditor: the History view's changes to the database — tags, notes, names, the
// archived flag (profiler/history_edit.h) — run in order on a worker thread of their own, each
// reported back on the UI thread. Deletion is deferred so it can be undone: deleted runs are
// only held back (the view hides them) until the editor goes away or the application quits,
// when they are deleted for real.
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include <QObject>
#include <QString>
#include <QThreadPool>

#include "sparq/profiler/run_store.h"

namespace sparq::ui {

class HistoryEditor : public QObject {
    Q_OBJECT
public:
    explicit HistoryEditor(std::string dbPath, QObject* parent = nullptr);
    /// Waits for the edits under way, then deletes the runs still held back.
    ~HistoryEditor() override;

    /// Runs `edit` (given the database path) on the editor's thread, after the edits before it.
    /// `what` names it for the signals ("Tagged 3 runs").
    void apply(const QString& what, std::function<void(const std::string& dbPath)> edit);
    /// Edits started and not yet reported.
    int pendingEdits() const { return pending_; }
    /// Returns when every edit started so far has run (reports still arrive through the event loop).
    void waitForEdits();

    /// Holds these runs back for deletion; they can be brought back with undoDelete().
    void deleteRuns(const std::vector<profiler::RunId>& ids);
    /// Brings back the runs of the last deleteRuns() still held; returns them.
    std::vector<profiler::RunId> undoDelete();
    bool canUndo() const { return !batches_.empty(); }
    /// Every run held back for deletion.
    const std::unordered_set<profiler::RunId>& heldBack() const { return held_; }
    /// Deletes the runs held back, now, on the calling thread (runs already gone from the
    /// database are skipped). Returns what went wrong, or an empty string.
    QString commitDeletes();

signals:
    /// An edit went through.
    void edited(const QString& what);
    /// An edit failed; `error` names the file and says what to do.
    void failed(const QString& what, const QString& error);
    /// The runs held back for deletion changed.
    void heldBackChanged();

private:
    std::string db_;
    QThreadPool pool_;  // one thread: edits apply in the order given
    int pending_ = 0;
    std::vector<std::vector<profiler::RunId>> batches_;
    std::unordered_set<profiler::RunId> held_;
};

}  // namespace sparq::ui
