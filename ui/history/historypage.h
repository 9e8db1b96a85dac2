#pragma once
// HistoryPage: the runs recorded in the history database — a filterable, sortable table that
// stays quick with ten thousand runs — and the comparisons of the runs selected in it
// (HistoryCharts: overlaid series, configuration diff, parallel coordinates, Pareto). Runs are
// tagged, annotated, renamed, archived, deleted (undoable until the page goes away) and
// exported from the toolbar or the context menu, and a run's model is exported for deployment
// (ExportDialog). Queries and edits run on workers; the table gets value snapshots and stale
// ones are dropped. A damaged or foreign database file is named in a banner that offers to move
// it aside and start a new history.
#include <string>
#include <vector>

#include <QPointer>
#include <QString>
#include <QWidget>

#include "core/jobtracker.h"
#include "history/runnumbers.h"
#include "sparq/engine/train.h"
#include "sparq/profiler/run_store.h"

class QAction;
class QFrame;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolBar;

namespace sparq::ui {

class ExportDialog;
class HistoryCharts;
class HistoryEditor;
class HistoryFilterBar;
class RunChartsDialog;
class RunFilterProxy;
class RunTableModel;
class Workbench;

class HistoryPage : public QWidget {
    Q_OBJECT
public:
    explicit HistoryPage(Workbench* workbench, QWidget* parent = nullptr);
    ~HistoryPage() override;  // deletes the runs still held for undo

    RunTableModel* model() const { return model_; }
    RunFilterProxy* proxy() const { return proxy_; }
    QTableView* view() const { return view_; }
    HistoryFilterBar* filterBar() const { return filters_; }
    HistoryCharts* charts() const { return charts_; }
    HistoryEditor* editor() const { return editor_; }
    QLabel* statusLabel() const { return status_; }
    /// The banner naming a damaged or foreign database, and its button.
    QFrame* problemBanner() const { return banner_; }
    QPushButton* moveAsideButton() const { return moveAside_; }
    QAction* deleteAction() const { return deleteAction_; }
    QAction* undoDeleteAction() const { return undoAction_; }
    /// "Export model…": enabled when one run that kept a model is selected.
    QAction* exportModelAction() const { return exportModelAction_; }
    /// Number of snapshots delivered so far.
    int loadCount() const { return loads_; }

    /// Ids of the selected runs, in table order.
    std::vector<profiler::RunId> selectedRuns() const;
    /// Ids of the runs the table shows, in table order.
    std::vector<profiler::RunId> shownRuns() const;
    /// Selects these runs (those shown) and nothing else; returns how many were selected.
    int selectRuns(const std::vector<profiler::RunId>& ids);

public slots:
    /// Reloads the runs on a worker; an older query still running is superseded.
    void refresh();
    /// Opens the charts of the run in a (source model) row.
    RunChartsDialog* openCharts(int row);

    /// Edits of the selected runs (on the editor's worker; the table refreshes afterwards).
    void tagSelected(const QStringList& add, const QStringList& remove);
    void setSelectedArchived(bool archived);
    void setNotes(profiler::RunId id, const QString& notes);
    void renameRun(profiler::RunId id, const QString& name);
    /// Hides the selected runs and holds them for deletion (running runs are left alone).
    void deleteSelected();
    /// Brings back the runs of the last delete.
    void undoDelete();
    /// Writes the selected runs to `path` (.json: JSON, else CSV; with every sample when
    /// `withSeries`), in the format of `sparq-cli history export`, on a worker; exported() tells.
    void exportSelected(const QString& path, bool withSeries = false);
    /// Opens the export dialog for the selected run (null when exportModelAction() is disabled).
    /// When an export ends, the status line says how and the table refreshes.
    ExportDialog* openExportDialog();
    /// Moves the damaged or foreign database aside and starts a new history at its path.
    void moveHistoryAside();

signals:
    /// The user asked to launch a job with a recorded run's settings.
    void launchWithSettings(const sparq::engine::TrainSpec& spec, const QString& origin);
    /// A snapshot was put in the table.
    void refreshed();
    /// exportSelected() finished; `error` is empty when the file was written.
    void exported(const QString& path, const QString& error);

private:
    struct Snapshot {
        std::vector<profiler::RunRecord> runs;
        SharedRunNumbers numbers;
        QString error;
        profiler::StoreError::Kind errorKind = profiler::StoreError::Kind::Other;
    };
    void buildActions();
    void apply(Snapshot snapshot);
    void showProblem(const Snapshot& snapshot);
    void showContextMenu(const QPoint& pos);
    void selectionChanged();
    void updateActions();
    void updateStatus();
    void updateEmptyState();
    void scheduleCharts();
    void editDone(const QString& what);
    void editFailed(const QString& what, const QString& error);
    void askTags();
    void askNotes();
    void askRename();
    void askExport();
    const profiler::RunRecord* singleSelected() const;

    Workbench* workbench_;
    RunTableModel* model_ = nullptr;
    RunFilterProxy* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QStackedWidget* tableStack_ = nullptr;
    QLabel* emptyText_ = nullptr;
    QPushButton* clearFilters_ = nullptr;
    HistoryFilterBar* filters_ = nullptr;
    HistoryCharts* charts_ = nullptr;
    HistoryEditor* editor_ = nullptr;
    QToolBar* toolbar_ = nullptr;
    QFrame* banner_ = nullptr;
    QLabel* bannerText_ = nullptr;
    QPushButton* moveAside_ = nullptr;
    QLabel* status_ = nullptr;
    QTimer* chartsTimer_ = nullptr;

    QAction* refreshAction_ = nullptr;
    QAction* chartsAction_ = nullptr;
    QAction* relaunchAction_ = nullptr;
    QAction* tagAction_ = nullptr;
    QAction* notesAction_ = nullptr;
    QAction* renameAction_ = nullptr;
    QAction* archiveAction_ = nullptr;
    QAction* unarchiveAction_ = nullptr;
    QAction* deleteAction_ = nullptr;
    QAction* undoAction_ = nullptr;
    QAction* exportAction_ = nullptr;
    QAction* exportModelAction_ = nullptr;

    SharedRunNumbers numbers_;
    QString loadedAt_;
    QString notice_;  // the last edit's outcome, shown after the counts
    bool noticeIsError_ = false;
    bool loaded_ = false;
    profiler::RunId awaitedRun_ = 0;  // finished run whose final state is still to be seen
    int awaitRetries_ = 0;
    int loads_ = 0;
    JobTracker tracker_{this};
    JobTracker exportTracker_{this};
};

}  // namespace sparq::ui
