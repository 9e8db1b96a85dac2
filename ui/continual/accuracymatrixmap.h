#pragma once
// AccuracyMatrixMap: a continual-learning run's accuracy matrix as a heat map. Row i is the
// model after training task i, column j its test accuracy on task j (0 to 1 on the colour
// scale); tasks count from 1 on the axes. The rows arrive one by one as tasks finish; each cell
// carries its value as text, shown while the cells are large enough to read it.
#include <vector>

#include <QString>

#include "charts/cellheatmap.h"

namespace sparq::ui {

class AccuracyMatrixMap : public CellHeatMap {
    Q_OBJECT
public:
    explicit AccuracyMatrixMap(const QString& title, QWidget* parent = nullptr);

    /// Blanks the map and sizes it for `tasks` tasks (0: size unknown until values arrive);
    /// `message` is what the map says while it has no value.
    void reset(int tasks, const QString& message);
    /// Grows the map to `tasks` tasks, keeping its values (a smaller count changes nothing).
    void setTaskCount(int tasks);
    /// Sets R[row][column]; a task past the size grows the map (keeping what it has).
    void setAccuracy(int row, int column, double accuracy);

    int tasks() const { return rows(); }
    /// The text of a cell ("0.87"), empty while it has no value.
    QString cellText(int row, int column) const;
    /// Whether the cells are large enough for their text (decided at each layout).
    bool showsCellText() const { return showText_; }

protected:
    QString placeholderText() const override;

private:
    void grow(int tasks);
    void updateTextVisibility();

    std::vector<QCPItemText*> labels_;  // row-major, tasks() x tasks()
    QString message_;
    bool showText_ = false;
};

}  // namespace sparq::ui
