#pragma once
// FisherImportanceChart: how much EWC protects each layer. One bar per parameter tensor of the
// network (fc0.weight, fc0.bias, ...): the mean of its diagonal Fisher information after a task,
// on a logarithmic scale (the layers differ by orders of magnitude). A slider picks the task;
// it follows the latest finished task until the user moves it elsewhere.
#include <optional>
#include <vector>

#include <QString>
#include <QStringList>
#include <QWidget>

class QCPBars;
class QCPItemText;
class QCustomPlot;
class QLabel;
class QSlider;

namespace sparq::ui {

class FisherImportanceChart : public QWidget {
    Q_OBJECT
public:
    explicit FisherImportanceChart(QWidget* parent = nullptr);

    /// Records the mean Fisher of `param` after task `task` (0-based). No redraw.
    void addMean(int task, const QString& param, double mean);
    /// Redraws after addMean() calls: the slider reaches the latest task, and moves there when
    /// it was following.
    void refresh();
    /// Removes every value and says `message` in place of the bars.
    void clear(const QString& message);
    /// Shows task `task` (0-based; clamped to the tasks with values).
    void showTask(int task);

    /// Task on show (0-based), -1 when there is none.
    int shownTask() const;
    /// Tasks with values (the latest task + 1).
    int taskCount() const { return int(means_.size()); }
    /// Parameter tensors, in the order they first arrived (the network's order).
    const QStringList& params() const { return params_; }
    std::optional<double> mean(int task, const QString& param) const;
    QCustomPlot* plot() const { return plot_; }
    QCPBars* bars() const { return bars_; }
    QSlider* taskSlider() const { return slider_; }
    /// The x axis' tick labels, in bar order.
    QStringList tickLabels() const;

private:
    void draw();

    QCustomPlot* plot_ = nullptr;
    QCPBars* bars_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* taskLabel_ = nullptr;
    QStringList params_;
    std::vector<std::vector<std::optional<double>>> means_;  // [task][param]
    bool following_ = true;
};

}  // namespace sparq::ui
