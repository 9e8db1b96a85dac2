#pragma once
// ProfileCharts: the Profile view's charts stacked on ONE time axis (seconds since the run's
// start). Zoom (mouse wheel, +/-) and pan (drag, arrow keys) on any chart move them all;
// Home or a double click fits the whole run again (and, live, follows the newest samples).
// Shift+drag selects a time range, shown as a band on every chart; Esc clears it. Alert and
// stage markers are vertical lines on every chart with tooltips. A chart without data says
// why in its middle.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QWidget>

#include "profile/profileseries.h"
#include "profile/profiletimeline.h"

class QCPGraph;
class QCPItemRect;
class QCPItemText;
class QCPAbstractItem;
class QCPRange;
class QCustomPlot;
class QVBoxLayout;

namespace sparq::ui {

class ProfileCharts : public QWidget {
    Q_OBJECT
public:
    explicit ProfileCharts(QWidget* parent = nullptr);

    int chartCount() const { return int(charts_.size()); }
    QCustomPlot* chart(ProfileChart c) const { return charts_[std::size_t(c)].plot; }
    QCustomPlot* chart(int c) const { return charts_[std::size_t(c)].plot; }
    /// The line of a series (null before its first point).
    QCPGraph* graph(const std::string& series) const;
    /// What an empty chart says (empty when the chart has data).
    QString placeholderText(ProfileChart c) const;
    /// Marker lines drawn on one chart.
    int markerCount(ProfileChart c) const;

    /// Empties every chart (markers and range too).
    void clear();
    /// Adds points of a series in time order (`reset`: replacing its line). Series that no
    /// chart draws are ignored. Does not redraw.
    void addPoints(const std::string& series, const std::vector<TimedPoint>& points, bool reset);
    /// Draws these markers on every chart (replacing the ones drawn).
    void setMarkers(const std::vector<TimelineMarker>& markers);
    /// What the empty charts say follows from the profiler's status.
    void setStatus(const ProfilerStatus& status, bool live);
    /// Rescales the value axes to what is in view, follows the newest samples when asked to,
    /// and redraws what changed.
    void refresh();

    // The shared time axis.
    std::pair<double, double> xRange() const;
    void setXRange(double lower, double upper);  // as a user would: stops following
    void zoomBy(double factor);                  // < 1 zooms in, about the centre
    void panBy(double fraction);                 // of the visible width; > 0 moves later
    void centerOn(double t);
    /// Shows the whole run and, live, keeps following its newest samples.
    void fitAll();
    bool following() const { return following_; }

    // The selected range.
    void selectRange(double t0, double t1);
    void clearRange();
    std::optional<std::pair<double, double>> selectedRange() const { return range_; }

    /// The tooltips of the markers within a few pixels of horizontal pixel `x` on a chart,
    /// one per line (empty when none).
    QString markerToolTipAt(ProfileChart c, double x) const;

signals:
    void rangeSelected(double t0, double t1);
    void rangeCleared();
    /// The shared axis moved (zoom, pan, fit, follow).
    void xRangeChanged(double lower, double upper);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    struct Chart {
        QCustomPlot* plot = nullptr;
        QCPItemText* placeholder = nullptr;
        QCPItemRect* band = nullptr;
        std::vector<QCPAbstractItem*> markers;
        int lines = 0;
        bool touched = false;
    };
    void applyX(double lower, double upper, QCustomPlot* source);
    void onAxisChanged(QCustomPlot* source, const QCPRange& range);
    void updatePlaceholders();
    void rescaleValues(Chart& c);
    void showBand();
    int chartIndex(QObject* plot) const;
    bool handleKey(QKeyEvent* event);

    QVBoxLayout* column_ = nullptr;
    std::vector<Chart> charts_;
    std::map<std::string, QCPGraph*> graphs_;
    std::vector<TimelineMarker> markers_;
    ProfilerStatus status_;
    bool live_ = false;
    bool following_ = true;
    bool applying_ = false;
    bool xMoved_ = false;
    double lastT_ = 0.0;
    std::optional<std::pair<double, double>> range_;
    // Shift+drag in progress: its chart and its first time.
    int selecting_ = -1;
    double anchor_ = 0.0;
};

}  // namespace sparq::ui
