#pragma once
// MetricChartGrid: the five training charts (loss, accuracy, samples/s, CPU, RSS) that both
// the live page and the run charts dialog draw, laid out in a grid. Each watched series is a
// "slot": one graph on one chart.
#include <array>
#include <string>
#include <vector>

#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QGridLayout;

namespace sparq::ui {

class MetricChartGrid : public QWidget {
    Q_OBJECT
public:
    enum Chart { Loss, Accuracy, Throughput, Cpu, Memory, ChartCount };
    using Touched = std::array<bool, ChartCount>;

    /// Series names of the slots, in slot order.
    static const std::vector<std::string>& slotSeries();
    static int slotCount();
    static Chart chartOfSlot(int slot);
    /// Slot of a series name, or -1.
    static int slotOf(const std::string& series);

    explicit MetricChartGrid(QWidget* parent = nullptr);

    QCustomPlot* chart(Chart c) const { return charts_[c]; }
    QCPGraph* graph(int slot) const { return graphs_[std::size_t(slot)]; }

    /// Puts a widget in the grid's free cell (next to the last chart); the grid owns it.
    void setExtraWidget(QWidget* widget);

    /// Empties every graph and redraws.
    void clear();
    void clearSlot(int slot);
    /// Replaces a slot's points. Does not redraw.
    void setPoints(int slot, const QVector<double>& x, const QVector<double>& y);
    /// Rescales and redraws each touched chart once.
    void refresh(const Touched& touched);
    void refreshAll();

private:
    QGridLayout* layout_ = nullptr;
    std::array<QCustomPlot*, ChartCount> charts_{};
    std::vector<QCPGraph*> graphs_;
};

}  // namespace sparq::ui
