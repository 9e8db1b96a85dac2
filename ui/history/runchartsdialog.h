#pragma once
// RunChartsDialog: the charts of one recorded run, loaded from the history on a worker.
#include <string>
#include <vector>

#include <QDialog>

#include "core/jobtracker.h"
#include "sparq/profiler/run_store.h"

class QLabel;
class QPlainTextEdit;

namespace sparq::ui {

class MetricChartGrid;

class RunChartsDialog : public QDialog {
    Q_OBJECT
public:
    /// Starts loading the run's series from the database at dbPath at once.
    RunChartsDialog(std::string dbPath, profiler::RunRecord run, QWidget* parent = nullptr);

    MetricChartGrid* chartGrid() const { return grid_; }
    /// True once the series have been loaded (or failed to load).
    bool isLoaded() const { return loaded_; }

signals:
    void loaded();

private:
    struct Loaded {
        std::vector<profiler::SeriesPoints> series;
        std::vector<profiler::RunEvent> events;
        QString error;
    };
    void display(Loaded result);

    std::string dbPath_;
    profiler::RunRecord run_;
    MetricChartGrid* grid_ = nullptr;
    QLabel* status_ = nullptr;
    QPlainTextEdit* events_ = nullptr;
    bool loaded_ = false;
    JobTracker tracker_{this};
};

}  // namespace sparq::ui
