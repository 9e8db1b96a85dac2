#include "history/historyeditor.h"

#include <exception>

#include <QCoreApplication>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

#include "history/runtablemodel.h"
#include "sparq/profiler/history_edit.h"

namespace sparq::ui {

HistoryEditor::HistoryEditor(std::string dbPath, QObject* parent) : QObject(parent), db_(std::move(dbPath)) {
    pool_.setMaxThreadCount(1);
    if (QCoreApplication::instance())
        connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, this, [this] {
            waitForEdits();
            commitDeletes();
        });
}

HistoryEditor::~HistoryEditor() {
    pool_.waitForDone();
    const QString error = commitDeletes();
    if (!error.isEmpty()) qWarning("sparq: %s", qPrintable(error));
}

void HistoryEditor::apply(const QString& what, std::function<void(const std::string&)> edit) {
    ++pending_;
    // The pool is a member and is drained in the destructor, so `this` outlives the job; a
    // report still queued when the editor goes is dropped with its pending events.
    (void)QtConcurrent::run(&pool_, [this, what, edit = std::move(edit), path = db_] {
        QString error;
        try {
            edit(path);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, what, error] {
                --pending_;
                if (error.isEmpty())
                    emit edited(what);
                else
                    emit failed(what, error);
            },
            Qt::QueuedConnection);
    });
}

void HistoryEditor::waitForEdits() { pool_.waitForDone(); }

void HistoryEditor::deleteRuns(const std::vector<profiler::RunId>& ids) {
    std::vector<profiler::RunId> batch;
    for (profiler::RunId id : ids)
        if (held_.insert(id).second) batch.push_back(id);
    if (batch.empty()) return;
    batches_.push_back(std::move(batch));
    emit heldBackChanged();
}

std::vector<profiler::RunId> HistoryEditor::undoDelete() {
    if (batches_.empty()) return {};
    std::vector<profiler::RunId> batch = std::move(batches_.back());
    batches_.pop_back();
    for (profiler::RunId id : batch) held_.erase(id);
    emit heldBackChanged();
    return batch;
}

QString HistoryEditor::commitDeletes() {
    if (held_.empty()) return {};
    std::vector<profiler::RunId> ids;
    QString error;
    try {
        // delete_runs refuses the whole batch over one unknown id: leave out runs that are gone
        // already (deleted from the CLI meanwhile).
        profiler::RunReader reader(db_);
        for (profiler::RunId id : held_)
            if (reader.run(id)) ids.push_back(id);
    } catch (const std::exception& e) {
        error = QString::fromUtf8(e.what());
    }
    if (error.isEmpty() && !ids.empty()) {
        try {
            profiler::delete_runs(db_, ids);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
    }
    held_.clear();
    batches_.clear();
    return error.isEmpty() ? QString() : tr("Could not delete %1: %2").arg(RunTableModel::countRuns(int(ids.size())), error);
}

}  // namespace sparq::ui
