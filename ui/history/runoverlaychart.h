#pragma once
// RunOverlayChart: series of several runs in one chart. The series on offer are the union of
// the runs' series names; each checked series is drawn for every run that has it (colour per
// run, dash pattern per series). The x axis is the step or the time since the run's first
// sample; an exponential moving average (0 = raw .. 0.99) smooths the drawn lines, the raw
// points staying faintly behind. Names and points load on workers (JobTracker); points stay
// cached per run and series, so switching axes or smoothing never touches the database.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <QStringList>
#include <QWidget>

#include "core/jobtracker.h"
#include "sparq/profiler/run_store.h"

class QComboBox;
class QCustomPlot;
class QCPItemText;
class QLabel;
class QLineEdit;
class QListWidget;
class QSlider;

namespace sparq::ui {

struct OverlayRun {
    profiler::RunId id = 0;
    QString label;  // "Run 7 · mlp-fashion"
};

class RunOverlayChart : public QWidget {
    Q_OBJECT
public:
    enum XAxis { ByStep, ByTime };
    /// At most this many runs are overlaid (the first ones given).
    static constexpr int kMaxRuns = 20;

    explicit RunOverlayChart(QWidget* parent = nullptr);

    void setDatabase(const std::string& path);
    /// The runs to overlay. Loads their series names (on a worker) unless they are the runs on
    /// show already; the checked series stay checked where the new runs have them.
    void setRuns(std::vector<OverlayRun> runs);
    const std::vector<OverlayRun>& runs() const { return runs_; }

    /// The series names of the runs (their union, sorted).
    QStringList seriesNames() const { return names_; }
    QStringList checkedSeries() const;
    /// Checks or unchecks a series on offer (loads its points when needed); false when it is
    /// not on offer.
    bool setSeriesChecked(const QString& name, bool checked);

    XAxis xAxis() const { return xAxis_; }
    void setXAxis(XAxis axis);
    /// The smoothing weight, 0 (raw) .. 0.99.
    double smoothing() const { return smoothing_; }
    void setSmoothing(double weight);

    QCustomPlot* plot() const { return plot_; }
    QListWidget* seriesList() const { return list_; }
    QComboBox* xAxisCombo() const { return axisCombo_; }
    QSlider* smoothingSlider() const { return slider_; }
    /// Number of loads (names or points) delivered so far.
    int loads() const { return loads_; }
    bool isLoading() const { return namesTracker_.isJobRunning() || pointsTracker_.isJobRunning(); }

    /// Exponential moving average with TensorBoard's debiasing: s_i = w*s_(i-1) + (1-w)*x_i,
    /// divided by 1 - w^(i+1) so the start is not pulled toward zero. Non-finite values are
    /// passed through and do not enter the average. weight 0 returns the values.
    static std::vector<double> smooth(const std::vector<double>& values, double weight);

signals:
    /// Names or points arrived and the chart was drawn again.
    void loaded();

private:
    using Key = std::pair<profiler::RunId, std::string>;
    struct Names {
        std::vector<std::string> names;
        QString error;
    };
    struct Points {
        std::vector<std::pair<Key, profiler::SeriesPoints>> series;
        QString error;
    };
    void loadNames();
    void showNames(Names names);
    void loadPoints();
    void redraw();
    void filterList(const QString& text);

    std::string db_;
    std::vector<OverlayRun> runs_;
    QStringList names_;
    QStringList wanted_;  // checked series, kept across run changes
    std::map<Key, profiler::SeriesPoints> cache_;
    XAxis xAxis_ = ByStep;
    double smoothing_ = 0.6;
    int loads_ = 0;
    QString error_;

    QLineEdit* listFilter_ = nullptr;
    QListWidget* list_ = nullptr;
    QComboBox* axisCombo_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* sliderValue_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    JobTracker namesTracker_{this};
    JobTracker pointsTracker_{this};
};

}  // namespace sparq::ui
