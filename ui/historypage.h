#pragma once
// HistoryPage: the runs recorded in the history database, sortable and filterable. Queries
// run on a worker (JobTracker) with a RunReader of their own; the table gets value snapshots.
#include <string>
#include <vector>

#include <QPointer>
#include <QString>
#include <QWidget>

#include "jobtracker.h"
#include "sparq/engine/specs.h"
#include "sparq/profiler/run_store.h"

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace sparq::ui {

class RunChartsDialog;
class RunTableModel;
class Workbench;

class HistoryPage : public QWidget {
    Q_OBJECT
public:
    explicit HistoryPage(Workbench* workbench, QWidget* parent = nullptr);

    RunTableModel* model() const { return model_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }
    QTableView* view() const { return view_; }
    /// Number of snapshots delivered so far.
    int loadCount() const { return loads_; }

public slots:
    /// Reloads the runs on a worker; an older query still running is superseded.
    void refresh();
    /// Opens the charts of the run in a (source model) row.
    RunChartsDialog* openCharts(int row);

signals:
    /// The user asked to launch a job with a recorded run's settings.
    void launchWithSettings(const sparq::engine::TrainSpec& spec, const QString& origin);
    /// A snapshot was put in the table.
    void refreshed();

private:
    struct Snapshot {
        std::vector<profiler::RunRecord> runs;
        QString error;
    };
    void apply(Snapshot snapshot);
    void showContextMenu(const QPoint& pos);
    int selectedRow() const;  // source row, or -1

    Workbench* workbench_;
    RunTableModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QLabel* status_ = nullptr;
    profiler::RunId awaitedRun_ = 0;  // finished run whose final state is still to be seen
    int awaitRetries_ = 0;
    int loads_ = 0;
    JobTracker tracker_{this};
};

}  // namespace sparq::ui
