#pragma once
// ParetoPlot: points over two measures with their Pareto frontier (profiler::pareto_front: no
// other point is at least as good on both and better on one) drawn as a line through its
// points, each named beside it; hovering any point names it and gives its values. Each axis
// says whether higher or lower is better. What the points stand for is the caller's: runs of
// the history (ParetoChart), the results of a serving session (ServingPage).
#include <cstddef>
#include <vector>

#include <QString>
#include <qcustomplot.h>

namespace sparq::ui {

class ParetoPlot : public QCustomPlot {
    Q_OBJECT
public:
    struct Point {
        double x = 0, y = 0;
        QString label;  // beside the point when it is on the frontier ("Run 12")
        QString title;  // first line of its tooltip ("Run 12 · mlp-fashion")
    };
    struct Axis {
        QString name;  // the axis label, without the direction arrow
        bool higherIsBetter = false;
    };

    /// `title` goes above the axis rect; the legend calls the points `pointsName` ("runs").
    ParetoPlot(const QString& title, const QString& pointsName, QWidget* parent = nullptr);

    /// Indices of the frontier of `points`, in x order (then y): the path setPoints() draws.
    static std::vector<std::size_t> frontier(const std::vector<Point>& points, bool xHigherIsBetter,
                                             bool yHigherIsBetter);

    /// Draws `points` (all finite) with their frontier; `emptyText` is what the chart says when
    /// there are none.
    void setPoints(std::vector<Point> points, const Axis& x, const Axis& y, const QString& emptyText);

    const std::vector<Point>& points() const { return points_; }
    /// Indices into points() of the frontier, in x order.
    const std::vector<std::size_t>& front() const { return front_; }
    QCPGraph* cloudGraph() const { return cloud_; }
    QCPGraph* frontierGraph() const { return frontier_; }
    /// The grey text of an empty chart (empty while there are points).
    QString placeholderText() const;

private:
    void showToolTip(QMouseEvent* event);

    std::vector<Point> points_;
    std::vector<std::size_t> front_;
    Axis x_, y_;
    QCPGraph* cloud_ = nullptr;
    QCPGraph* frontier_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
};

}  // namespace sparq::ui
